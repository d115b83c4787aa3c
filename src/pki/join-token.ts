// Join tokens, shared by the server that prints them and the agent that presents them. The
// shape follows k3s's "secure" tokens: K10<sha256 of the cluster CA, hex>::node:<secret>. The
// hash lets the agent pin the server's CA before it sends the secret anywhere.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The join endpoints (k3s's supervisor endpoints, reduced): the CA, the join, the client-certificate renewal. */
export const CACERTS_PATH = '/cacerts';
export const JOIN_PATH = '/k8ts/v1/join';
export const RENEW_PATH = '/k8ts/v1/renew';
/** Server join (embedded etcd): the CA, and the join that adds an etcd member. */
export const SERVER_CACERTS_PATH = '/k8ts/v1/etcd/cacerts';
export const SERVER_JOIN_PATH = '/k8ts/v1/etcd/join';

export interface JoinToken {
  /** sha256 (hex) of the CA certificate PEM, when the token carries one. */
  caHash?: string;
  /** What the agent sends as its bearer token: `node:<secret>` (the server's node-token) or `<id>.<secret>` (a bootstrap token). */
  credential: string;
}

export function caHashOf(caPem: string): string {
  return createHash('sha256').update(caPem).digest('hex');
}

/** The full join token for a bootstrap token: it pins the CA as the node-token does. */
export function bootstrapJoinToken(caPem: string, idDotSecret: string): string {
  return `K10${caHashOf(caPem)}::${idDotSecret}`;
}

export function newJoinToken(caPem: string): string {
  return `K10${caHashOf(caPem)}::node:${randomBytes(16).toString('hex')}`;
}

/** Parses a full token or a bare secret; undefined when it is neither. */
export function parseJoinToken(token: string): JoinToken | undefined {
  const t = token.trim();
  const boot = /^(?:K10([0-9a-f]{64})::)?([a-z0-9]{6}\.[a-z0-9]{16})$/.exec(t);
  if (boot) return boot[1] ? { caHash: boot[1], credential: boot[2] } : { credential: boot[2] };
  const full = /^K10([0-9a-f]{64})::(node:[A-Za-z0-9._-]+)$/.exec(t);
  if (full) return { caHash: full[1], credential: full[2] };
  if (/^[A-Za-z0-9._-]{8,}$/.test(t)) return { credential: `node:${t}` };
  if (/^node:[A-Za-z0-9._-]{8,}$/.test(t)) return { credential: t };
  return undefined;
}

/** Constant-time comparison of a presented credential with the expected one. */
export function credentialMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What an agent learns when it joins (the body of POST /k8ts/v1/join's answer). */
export interface JoinResponse {
  /** When the client certificate stops working (RFC 3339); the agent renews it before. */
  clientCertNotAfter?: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDNS: string;
  /**
   * Every live API server (`https://ip:port`, from the `kubernetes` Service's endpoints) when
   * the agent joined: the agent fails over to these (it re-reads them while it runs).
   */
  servers?: string[];
}
