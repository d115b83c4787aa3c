// Service-account tokens: ES256 JWTs in the shape upstream's TokenRequest issues
// (iss, sub, aud, exp, iat, nbf, kubernetes.io claims), signed with the cluster's
// service-account key.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface ServiceAccountClaims {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expiresAt: number; // unix seconds
  pod?: { name: string; uid: string };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export class ServiceAccountTokens {
  private readonly priv: KeyObject;
  private readonly pub: KeyObject;
  constructor(privateKeyPem: string, readonly issuer = DEFAULT_ISSUER) {
    this.priv = createPrivateKey(privateKeyPem);
    this.pub = createPublicKey(this.priv);
  }

  issue(c: ServiceAccountClaims, nowSeconds = Math.floor(Date.now() / 1000)): string {
    const header = { alg: 'ES256', typ: 'JWT' };
    const payload: Record<string, unknown> = {
      aud: c.audiences,
      exp: c.expiresAt,
      iat: nowSeconds,
      iss: this.issuer,
      nbf: nowSeconds,
      sub: `system:serviceaccount:${c.namespace}:${c.name}`,
      'kubernetes.io': {
        namespace: c.namespace,
        serviceaccount: { name: c.name, uid: c.uid },
        ...(c.pod ? { pod: c.pod } : {}),
      },
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = sign('sha256', Buffer.from(signingInput), { key: this.priv, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${b64url(sig)}`;
  }

  /** Returns the claims of a valid, unexpired token signed by us, else undefined. */
  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
      if (!ok) return undefined;
      const p = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
      if (p.iss !== this.issuer || typeof p.exp !== 'number' || p.exp < nowSeconds) return undefined;
      const k = p['kubernetes.io'] as { namespace?: string; serviceaccount?: { name?: string; uid?: string }; pod?: { name: string; uid: string } } | undefined;
      if (!k?.namespace || !k.serviceaccount?.name) return undefined;
      const aud = Array.isArray(p.aud) ? (p.aud as string[]) : typeof p.aud === 'string' ? [p.aud] : [];
      return { namespace: k.namespace, name: k.serviceaccount.name, uid: k.serviceaccount.uid ?? '', audiences: aud, expiresAt: p.exp, pod: k.pod };
    } catch {
      return undefined;
    }
  }
}
