// Authenticators: client certificates signed by the cluster CA, static bearer tokens
// (admin, node join tokens) and service-account JWTs. A request that none accepts is
// anonymous; the server answers 401 for anything but the public info endpoints.
import type { Authenticator, AuthenticationRequest, UserInfo } from './user.js';
import type { ServiceAccountTokens } from './sa-tokens.js';

const AUTHENTICATED = 'system:authenticated';

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes(AUTHENTICATED) ? u : { ...u, groups: [...u.groups, AUTHENTICATED] };
}

export class ClientCertAuthenticator implements Authenticator {
  authenticate(req: AuthenticationRequest): UserInfo | undefined {
    if (!req.clientCert) return undefined;
    return withAuthenticated({ username: req.clientCert.commonName, groups: req.clientCert.organizations });
  }
}

export interface StaticToken {
  token: string;
  user: UserInfo;
}

export class StaticTokenAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, UserInfo>();
  constructor(tokens: StaticToken[] = []) {
    for (const t of tokens) this.add(t);
  }
  add(t: StaticToken): void {
    this.tokens.set(t.token, withAuthenticated(t.user));
  }
  authenticate(req: AuthenticationRequest): UserInfo | undefined {
    return req.bearerToken ? this.tokens.get(req.bearerToken) : undefined;
  }
}

/** What the API server holds now, for checking the objects a token names (upstream's validator getters). */
export interface ServiceAccountTokenLookup {
  /** The uid of the ServiceAccount, undefined when it does not exist. */
  serviceAccountUid(namespace: string, name: string): string | undefined;
  /** The pod a bound token names, undefined when it does not exist. */
  pod(namespace: string, name: string): { uid: string; deletionTimestamp?: string } | undefined;
}

/** A pod being deleted keeps its tokens valid this long past its deletionTimestamp (upstream's leeway). */
const DELETION_LEEWAY_MS = 60_000;

/**
 * Service-account JWTs signed by this server. As upstream's validator: the token must be meant
 * for this server (one of its audiences, or one the TokenReview asks about), its ServiceAccount
 * must still exist with the uid it was issued for, and a token bound to a pod is valid only
 * while that pod (same uid) exists.
 */
export class ServiceAccountTokenAuthenticator implements Authenticator {
  private readonly audiences: readonly string[];
  constructor(
    private readonly tokens: ServiceAccountTokens,
    private readonly opts: { audiences?: string[]; lookup?: ServiceAccountTokenLookup; now?: () => number } = {},
  ) {
    this.audiences = opts.audiences?.length ? opts.audiences : [tokens.issuer];
  }
  authenticate(req: AuthenticationRequest): UserInfo | undefined {
    if (!req.bearerToken || req.bearerToken.split('.').length !== 3) return undefined;
    const nowMs = this.opts.now?.() ?? Date.now();
    const claims = this.tokens.verify(req.bearerToken, Math.floor(nowMs / 1000));
    if (!claims) return undefined;
    const wanted = req.audiences?.length ? req.audiences : this.audiences;
    if (!claims.audiences.some((a) => wanted.includes(a))) return undefined;
    const lookup = this.opts.lookup;
    if (lookup) {
      const saUid = lookup.serviceAccountUid(claims.namespace, claims.name);
      if (saUid === undefined || (claims.uid && saUid !== claims.uid)) return undefined;
      if (claims.pod) {
        const pod = lookup.pod(claims.namespace, claims.pod.name);
        if (!pod || (claims.pod.uid && pod.uid !== claims.pod.uid)) return undefined;
        if (pod.deletionTimestamp && Date.parse(pod.deletionTimestamp) + DELETION_LEEWAY_MS < nowMs) return undefined;
      }
    }
    const user: UserInfo = {
      username: `system:serviceaccount:${claims.namespace}:${claims.name}`,
      uid: claims.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${claims.namespace}`],
    };
    if (claims.pod) user.extra = { 'authentication.kubernetes.io/pod-name': [claims.pod.name], 'authentication.kubernetes.io/pod-uid': [claims.pod.uid] };
    return withAuthenticated(user);
  }
}

export class UnionAuthenticator implements Authenticator {
  constructor(private readonly chain: Authenticator[]) {}
  authenticate(req: AuthenticationRequest): UserInfo | undefined {
    for (const a of this.chain) {
      const u = a.authenticate(req);
      if (u) return u;
    }
    return undefined;
  }
}

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
