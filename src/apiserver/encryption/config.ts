// EncryptionConfiguration (apiserver.config.k8s.io/v1), the file of kube-apiserver's
// --encryption-provider-config: which resources are encrypted at rest, and with which
// providers and keys. Parsing and validation are pure; loadEncryptionConfig adds the file
// read and the lazy tweetnacl load (only when a config names secretbox).
//
// Resources match as upstream: `secrets` (core group), `deployments.apps`, `*.apps` (every
// resource of a group), `*.` (every core resource), `*.*` (everything). Entries are tried in
// order; the first that names a resource decides. Overlapping wildcards are refused, since
// part of the configuration would never apply.
import { randomBytes } from 'node:crypto';
import { KEY_SIZES, identityTransformer, newKeyTransformer, type PrefixedTransformer, type ProviderType, type SecretBox } from './providers.js';
import { ResourceTransformer } from './transformer.js';

export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';
export const ENCRYPTION_CONFIG_KIND = 'EncryptionConfiguration';

interface KeySpec {
  name: string;
  secret: Buffer;
}

interface ProviderSpec {
  type: ProviderType;
  keys: KeySpec[];
}

interface EntrySpec {
  /** `resource.group` as written (`secrets`, `*.apps`, `*.*`). */
  resources: string[];
  providers: ProviderSpec[];
}

/** A checked configuration: what the file says, before keys become ciphers. */
export interface EncryptionConfigSpec {
  entries: EntrySpec[];
}

/** Where resources get their transformer. */
export interface EncryptionConfig {
  /** The transformer of a group/resource, or undefined: stored as is. */
  transformerFor(group: string, resource: string): ResourceTransformer | undefined;
  /** What the configuration covers, one line per entry (for the start log). */
  describe(): string[];
}

function fail(msg: string): never {
  throw new Error(`encryption provider config: ${msg}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Checks a decoded document; every problem names its field path. */
export function parseEncryptionConfig(doc: unknown): EncryptionConfigSpec {
  if (!isObject(doc)) fail('the file is not an object');
  if (doc.kind !== ENCRYPTION_CONFIG_KIND) fail(`kind must be ${ENCRYPTION_CONFIG_KIND}, got ${JSON.stringify(doc.kind)}`);
  if (doc.apiVersion !== ENCRYPTION_CONFIG_API_VERSION) fail(`apiVersion must be ${ENCRYPTION_CONFIG_API_VERSION}, got ${JSON.stringify(doc.apiVersion)}`);
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) fail('resources: at least one entry is required');
  const entries: EntrySpec[] = [];
  const seen: string[] = [];
  doc.resources.forEach((raw, i) => {
    const at = `resources[${i}]`;
    if (!isObject(raw)) fail(`${at}: must be an object`);
    if (!Array.isArray(raw.resources) || raw.resources.length === 0) fail(`${at}.resources: at least one resource is required`);
    const resources: string[] = [];
    raw.resources.forEach((r, j) => {
      if (typeof r !== 'string' || !/^(\*|[a-z0-9][a-z0-9-]*)(\.(\*|[a-z0-9.-]*))?$/.test(r)) fail(`${at}.resources[${j}]: ${JSON.stringify(r)} is not a resource name (resource or resource.group, lower case, or a wildcard *.group, *. or *.*)`);
      if (r.startsWith('*') && !r.startsWith('*.')) fail(`${at}.resources[${j}]: "*" alone is not allowed; use "*." for the core group or "*.*" for all resources`);
      if (!r.startsWith('*') && r.includes('*')) fail(`${at}.resources[${j}]: ${JSON.stringify(r)}: only the resource part may be a wildcard`);
      // An earlier entry that already names r makes r ineffective; within one list any overlap is.
      const shadow = seen.find((s) => covers(s, r));
      if (shadow !== undefined) fail(`${at}.resources[${j}]: ${JSON.stringify(r)} is already covered by ${JSON.stringify(shadow)} in an earlier entry, so this one would never apply`);
      const twin = resources.find((s) => covers(s, r) || covers(r, s));
      if (twin !== undefined) fail(`${at}.resources[${j}]: ${JSON.stringify(r)} overlaps ${JSON.stringify(twin)} in the same list`);
      resources.push(r);
    });
    seen.push(...resources);
    if (!Array.isArray(raw.providers) || raw.providers.length === 0) fail(`${at}.providers: at least one provider is required`);
    const providers = raw.providers.map((p, j) => parseProvider(p, `${at}.providers[${j}]`));
    entries.push({ resources, providers });
  });
  return { entries };
}

function parseProvider(p: unknown, at: string): ProviderSpec {
  if (!isObject(p)) fail(`${at}: must be an object`);
  const types = Object.keys(p);
  if (types.length !== 1) fail(`${at}: exactly one provider type is required (aescbc, aesgcm, secretbox or identity), got ${types.length ? types.join(', ') : 'none'}`);
  const type = types[0];
  if (type === 'kms') fail(`${at}: the kms provider is not supported by k8ts; use aescbc, aesgcm or secretbox`);
  if (type === 'identity') return { type, keys: [] };
  if (type !== 'aescbc' && type !== 'aesgcm' && type !== 'secretbox') fail(`${at}: unknown provider type "${type}" (aescbc, aesgcm, secretbox or identity)`);
  const body = p[type];
  if (!isObject(body) || !Array.isArray(body.keys) || body.keys.length === 0) fail(`${at}.${type}.keys: at least one key is required`);
  const names = new Set<string>();
  const keys = body.keys.map((k, i): KeySpec => {
    const kat = `${at}.${type}.keys[${i}]`;
    if (!isObject(k)) fail(`${kat}: must be an object with name and secret`);
    if (typeof k.name !== 'string' || !k.name) fail(`${kat}.name: required`);
    if (k.name.includes(':')) fail(`${kat}.name: must not contain ":"`);
    if (names.has(k.name)) fail(`${kat}.name: "${k.name}" appears twice in this provider`);
    names.add(k.name);
    if (typeof k.secret !== 'string' || !k.secret) fail(`${kat}.secret: required (base64 of a random key)`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(k.secret) || k.secret.length % 4 !== 0) fail(`${kat}.secret: not valid base64`);
    const secret = Buffer.from(k.secret, 'base64');
    const sizes = KEY_SIZES[type];
    if (!sizes.includes(secret.length)) fail(`${kat}.secret: ${type} needs a key of ${sizes.join(', ')} bytes, got ${secret.length}`);
    return { name: k.name, secret };
  });
  return { type, keys };
}

/** Whether the resource pattern `a` names everything `b` names. */
function covers(a: string, b: string): boolean {
  if (a === b || a === '*.*') return true;
  const dot = a.indexOf('.');
  if (dot < 0 || a.slice(0, dot) !== '*') return false;
  const bdot = b.indexOf('.');
  return (bdot < 0 ? '' : b.slice(bdot + 1)) === a.slice(dot + 1);
}

/** Does the pattern name group/resource? */
function matches(pattern: string, group: string, resource: string): boolean {
  const dot = pattern.indexOf('.');
  const r = dot < 0 ? pattern : pattern.slice(0, dot);
  const g = dot < 0 ? '' : pattern.slice(dot + 1);
  if (r === '*' && g === '*') return true;
  if (g !== group) return false;
  return r === '*' || r === resource;
}

/** Turns a checked spec into transformers; `box` is needed when a provider is secretbox. */
export function buildEncryptionConfig(spec: EncryptionConfigSpec, box?: SecretBox): EncryptionConfig {
  const built = spec.entries.map((e) => {
    const keys: PrefixedTransformer[] = e.providers.flatMap((p) =>
      p.type === 'identity' ? [identityTransformer] : p.keys.map((k) => newKeyTransformer(p.type as Exclude<ProviderType, 'identity'>, k.name, k.secret, box)),
    );
    return { patterns: e.resources, keys, cache: new Map<string, ResourceTransformer>() };
  });
  return {
    transformerFor(group, resource) {
      const gr = group ? `${resource}.${group}` : resource;
      const e = built.find((b) => b.patterns.some((p) => matches(p, group, resource)));
      if (!e) return undefined;
      let t = e.cache.get(gr);
      if (!t) e.cache.set(gr, (t = new ResourceTransformer(gr, e.keys)));
      return t;
    },
    describe: () => built.map((b) => `${b.patterns.join(', ')}: written with ${describeKey(b.keys[0])}${b.keys.length > 1 ? `, also read with ${b.keys.slice(1).map(describeKey).join(', ')}` : ''}`),
  };
}

const describeKey = (k: PrefixedTransformer): string => (k.type === 'identity' ? 'identity (plaintext)' : `${k.type} key "${k.keyName}"`);

/** Reads, checks and builds the configuration in `text` (JSON or YAML). Throws a one-line Error. */
export async function loadEncryptionConfig(text: string): Promise<EncryptionConfig> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const { parse } = await import('yaml');
    try {
      doc = parse(text);
    } catch (e) {
      fail(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const spec = parseEncryptionConfig(doc);
  let box: SecretBox | undefined;
  if (spec.entries.some((e) => e.providers.some((p) => p.type === 'secretbox'))) {
    const nacl = (await import('tweetnacl')).default;
    box = { seal: (m, n, k) => nacl.secretbox(m, n, k), open: (b, n, k) => nacl.secretbox.open(b, n, k) };
  }
  return buildEncryptionConfig(spec, box);
}

/**
 * The configuration k8ts writes for a new cluster (as k3s --secrets-encryption): Secrets
 * encrypted with aescbc under a fresh random 32-byte key; identity second, so values written
 * before encryption was on stay readable.
 */
export function defaultEncryptionConfigText(key: Buffer = randomBytes(32)): string {
  const doc = {
    kind: ENCRYPTION_CONFIG_KIND,
    apiVersion: ENCRYPTION_CONFIG_API_VERSION,
    resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'key1', secret: key.toString('base64') }] } }, { identity: {} }] }],
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
