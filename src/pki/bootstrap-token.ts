// Bootstrap tokens (upstream's bootstrap.kubernetes.io/token Secrets, as kubeadm and k3s make
// them): `<id>.<secret>`, six and sixteen characters of [a-z0-9], kept as the Secret
// kube-system/bootstrap-token-<id> with an optional expiration. `k8ts token create|list|delete`
// manages them; an agent joins with `K10<sha256 of the CA>::<id>.<secret>`, which pins the CA
// like the server's node-token. Pure functions: the Secret's shape and the checks.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
/** The group upstream's kubeadm gives join tokens; k8ts's join endpoint is what they authenticate to. */
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers:k8ts:default-node-token';

const ID_RE = /^[a-z0-9]{6}$/;
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export interface BootstrapToken {
  id: string;
  secret: string;
}

export function parseBootstrapToken(s: string): BootstrapToken | undefined {
  const m = TOKEN_RE.exec(s.trim());
  return m ? { id: m[1], secret: m[2] } : undefined;
}

export function isBootstrapTokenId(s: string): boolean {
  return ID_RE.test(s);
}

function randomChars(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  // 252 is the largest multiple of 36 under 256: rejecting above it keeps the draw uniform.
  let out = '';
  while (out.length < n) for (const b of randomBytes(n * 2)) if (b < 252 && out.length < n) out += alphabet[b % 36];
  return out;
}

export function newBootstrapToken(): BootstrapToken {
  return { id: randomChars(6), secret: randomChars(16) };
}

export const bootstrapTokenSecretName = (id: string): string => `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;

/** The Secret that holds a token (stringData: the API server encodes it into data). */
export function bootstrapTokenSecret(t: BootstrapToken, o: { expiresAt?: Date; description?: string }): Record<string, unknown> {
  const stringData: Record<string, string> = {
    'token-id': t.id,
    'token-secret': t.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': BOOTSTRAP_DEFAULT_GROUP,
  };
  if (o.expiresAt) stringData.expiration = o.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (o.description) stringData.description = o.description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(t.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    stringData,
  };
}

/** A token Secret's data, base64-decoded. */
export function decodeSecretData(data: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/**
 * Why a presented token does not authenticate against its Secret (undefined: it does).
 * `data` is the decoded Secret data, `type` the Secret's type.
 */
export function bootstrapTokenProblem(t: BootstrapToken, type: string | undefined, data: Readonly<Record<string, string>>, now: Date): string | undefined {
  if (type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return 'unknown token';
  if (data['token-id'] !== t.id) return 'unknown token';
  const want = Buffer.from(data['token-secret'] ?? '');
  const got = Buffer.from(t.secret);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'unknown token';
  if (data['usage-bootstrap-authentication'] !== 'true') return `token ${t.id} is not for authentication`;
  const exp = data.expiration;
  if (exp !== undefined) {
    const at = Date.parse(exp);
    if (Number.isNaN(at)) return `token ${t.id} has an unreadable expiration ${JSON.stringify(exp)}`;
    if (at <= now.getTime()) return `token ${t.id} expired at ${exp}`;
  }
  return undefined;
}
