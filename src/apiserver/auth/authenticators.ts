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

export class ServiceAccountTokenAuthenticator implements Authenticator {
  constructor(private readonly tokens: ServiceAccountTokens) {}
  authenticate(req: AuthenticationRequest): UserInfo | undefined {
    if (!req.bearerToken || req.bearerToken.split('.').length !== 3) return undefined;
    const claims = this.tokens.verify(req.bearerToken);
    if (!claims) return undefined;
    return withAuthenticated({
      username: `system:serviceaccount:${claims.namespace}:${claims.name}`,
      uid: claims.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${claims.namespace}`],
    });
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
