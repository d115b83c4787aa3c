// Registry endpoints: k3s-style `registries.yaml` mirrors and configs, the default upstream
// endpoint of each registry, and credentials from `.dockerconfigjson` (imagePullSecrets).
//
//   mirrors:
//     docker.io:   { endpoint: ["http://127.0.0.1:5000"], rewrite: {"^library/(.*)": "mirror/$1"} }
//     "*":         { endpoint: [...] }                 # any registry without its own entry
//   configs:
//     "127.0.0.1:5000": { auth: {username, password, auth, identity_token}, tls: {insecure_skip_verify, ca_file} }
//
// Order of endpoints for an image: the mirror's endpoints as listed, then the upstream registry
// (unless `disableDefaultEndpoint`), as k3s/containerd do. Pure except `loadRegistriesConfig`.

import * as fs from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ImageError } from './errors.js';
import type { ImageReference } from './reference.js';
import type { PullAuth } from '../types.js';
import { ERR_IMAGE_MANIFEST } from '../../util/error-codes.js';

export interface MirrorConfig {
  endpoint: string[];
  /** Regex (on the repository path) → replacement, applied for this mirror's endpoints. */
  rewrite?: Record<string, string>;
}

export interface RegistryHostConfig {
  auth?: { username?: string; password?: string; auth?: string; identity_token?: string };
  tls?: { insecure_skip_verify?: boolean; ca_file?: string; cert_file?: string; key_file?: string };
}

export interface RegistriesConfig {
  mirrors: Record<string, MirrorConfig>;
  configs: Record<string, RegistryHostConfig>;
}

export interface Endpoint {
  /** `scheme://host[:port]`. */
  origin: string;
  /** Host (and port) as used for `configs` and credentials. */
  host: string;
  /** API prefix, normally `/v2`. */
  apiBase: string;
  /** True for a mirror, false for the registry itself. */
  mirror: boolean;
  insecureSkipVerify: boolean;
  caFile?: string;
  auth?: PullAuth;
  rewrite?: Array<{ re: RegExp; replacement: string }>;
}

export const EMPTY_REGISTRIES: RegistriesConfig = { mirrors: {}, configs: {} };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and validates a registries.yaml document. */
export function parseRegistriesYaml(text: string): RegistriesConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ImageError(ERR_IMAGE_MANIFEST, `registries.yaml: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return { mirrors: {}, configs: {} };
  if (!isRecord(doc)) throw new ImageError(ERR_IMAGE_MANIFEST, 'registries.yaml: top level must be a mapping');
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  const mirrors = doc.mirrors ?? {};
  if (!isRecord(mirrors)) throw new ImageError(ERR_IMAGE_MANIFEST, 'registries.yaml: "mirrors" must be a mapping');
  for (const [host, m] of Object.entries(mirrors)) {
    if (!isRecord(m)) throw new ImageError(ERR_IMAGE_MANIFEST, `registries.yaml: mirror "${host}" must be a mapping`);
    const endpoint = m.endpoint ?? [];
    if (!Array.isArray(endpoint) || !endpoint.every((e) => typeof e === 'string')) {
      throw new ImageError(ERR_IMAGE_MANIFEST, `registries.yaml: mirrors.${host}.endpoint must be a list of URLs`);
    }
    const mc: MirrorConfig = { endpoint: endpoint as string[] };
    if (m.rewrite !== undefined) {
      if (!isRecord(m.rewrite) || !Object.values(m.rewrite).every((v) => typeof v === 'string')) {
        throw new ImageError(ERR_IMAGE_MANIFEST, `registries.yaml: mirrors.${host}.rewrite must map regexes to strings`);
      }
      mc.rewrite = m.rewrite as Record<string, string>;
    }
    out.mirrors[host] = mc;
  }
  const configs = doc.configs ?? {};
  if (!isRecord(configs)) throw new ImageError(ERR_IMAGE_MANIFEST, 'registries.yaml: "configs" must be a mapping');
  for (const [host, c] of Object.entries(configs)) {
    if (!isRecord(c)) throw new ImageError(ERR_IMAGE_MANIFEST, `registries.yaml: configs.${host} must be a mapping`);
    const hc: RegistryHostConfig = {};
    if (isRecord(c.auth)) hc.auth = pickStrings(c.auth, ['username', 'password', 'auth', 'identity_token']);
    if (isRecord(c.tls)) {
      hc.tls = { ...pickStrings(c.tls, ['ca_file', 'cert_file', 'key_file']), ...(typeof c.tls.insecure_skip_verify === 'boolean' ? { insecure_skip_verify: c.tls.insecure_skip_verify } : {}) };
    }
    out.configs[host] = hc;
  }
  return out;
}

function pickStrings<K extends string>(o: Record<string, unknown>, keys: K[]): Partial<Record<K, string>> {
  const r: Partial<Record<K, string>> = {};
  for (const k of keys) if (typeof o[k] === 'string') r[k] = o[k] as string;
  return r;
}

export async function loadRegistriesConfig(file: string): Promise<RegistriesConfig> {
  return parseRegistriesYaml(await fs.readFile(file, 'utf8'));
}

/** The registry's own endpoint: docker.io → registry-1.docker.io; loopback → plain HTTP. */
export function defaultEndpointOrigin(domain: string): string {
  if (domain === 'docker.io') return 'https://registry-1.docker.io';
  const host = domain.replace(/:\d+$/, '');
  const plain = host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  return `${plain ? 'http' : 'https'}://${domain}`;
}

function makeEndpoint(url: string, mirror: boolean, cfg: RegistriesConfig, domain: string, auth: PullAuth | undefined, rewrite?: Record<string, string>): Endpoint {
  const u = new URL(/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ImageError(ERR_IMAGE_MANIFEST, `registry endpoint "${url}" must be http or https`);
  }
  let apiBase = u.pathname.replace(/\/+$/, '');
  if (!apiBase.endsWith('/v2')) apiBase += '/v2';
  const hostCfg = cfg.configs[u.host] ?? (mirror ? undefined : cfg.configs[domain]);
  const cfgAuth = hostCfg?.auth;
  const ep: Endpoint = {
    origin: `${u.protocol}//${u.host}`,
    host: u.host,
    apiBase,
    mirror,
    insecureSkipVerify: hostCfg?.tls?.insecure_skip_verify ?? false,
  };
  if (hostCfg?.tls?.ca_file !== undefined) ep.caFile = hostCfg.tls.ca_file;
  const a: PullAuth | undefined = cfgAuth !== undefined
    ? { ...(cfgAuth.username !== undefined ? { username: cfgAuth.username } : {}), ...(cfgAuth.password !== undefined ? { password: cfgAuth.password } : {}), ...(cfgAuth.auth !== undefined ? { auth: cfgAuth.auth } : {}), ...(cfgAuth.identity_token !== undefined ? { identityToken: cfgAuth.identity_token } : {}) }
    : auth;
  if (a !== undefined) ep.auth = a;
  if (rewrite !== undefined) {
    ep.rewrite = Object.entries(rewrite).map(([re, replacement]) => ({ re: new RegExp(re), replacement }));
  }
  return ep;
}

/**
 * Endpoints to try for `ref`, in order. `auth` (from imagePullSecrets) is used where
 * registries.yaml has no `configs.<host>.auth`.
 */
export function endpointsFor(cfg: RegistriesConfig, ref: ImageReference, auth?: PullAuth, opts: { disableDefaultEndpoint?: boolean } = {}): Endpoint[] {
  const mirror = cfg.mirrors[ref.domain] ?? cfg.mirrors['*'];
  const out: Endpoint[] = [];
  for (const url of mirror?.endpoint ?? []) out.push(makeEndpoint(url, true, cfg, ref.domain, auth, mirror?.rewrite));
  const upstream = defaultEndpointOrigin(ref.domain);
  if (!opts.disableDefaultEndpoint && !out.some((e) => e.origin === upstream)) {
    out.push(makeEndpoint(upstream, false, cfg, ref.domain, auth));
  }
  return out;
}

/** Repository path on an endpoint after its rewrite rules. */
export function rewriteRepository(ep: Endpoint, repository: string): string {
  for (const r of ep.rewrite ?? []) {
    if (r.re.test(repository)) return repository.replace(r.re, r.replacement);
  }
  return repository;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

function configKeyHost(key: string): string {
  const k = key.trim();
  const u = /^[a-z]+:\/\//i.test(k) ? new URL(k) : new URL(`https://${k}`);
  return u.host.toLowerCase();
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (DOCKER_HUB_ALIASES.has(pattern) && DOCKER_HUB_ALIASES.has(host)) return true;
  if (!pattern.includes('*')) return false;
  const [pHost, pPort] = pattern.split(/:(?=\d+$)/);
  const [hHost, hPort] = host.split(/:(?=\d+$)/);
  if (pPort !== hPort) return false;
  const pl = pHost!.split('.');
  const hl = hHost!.split('.');
  if (pl.length !== hl.length) return false;
  return pl.every((p, i) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*') + '$').test(hl[i]!));
}

/**
 * Credentials for `registryHost` from a `.dockerconfigjson` (`{"auths": {...}}`) or legacy
 * `.dockercfg` document, matching keys like the kubelet does: by host[:port] (URL scheme and path
 * ignored), Docker Hub aliases, and `*` globs per DNS label. Exact matches win over globs.
 */
export function authFromDockerConfig(json: string | Buffer | unknown, registryHost: string): PullAuth | undefined {
  let doc: unknown = json;
  if (typeof json === 'string' || Buffer.isBuffer(json)) {
    try {
      doc = JSON.parse(json.toString());
    } catch {
      return undefined;
    }
  }
  if (!isRecord(doc)) return undefined;
  const auths = isRecord(doc.auths) ? doc.auths : doc;
  const host = registryHost.toLowerCase();
  const entries = Object.entries(auths).flatMap(([k, v]) => {
    try {
      return isRecord(v) ? [{ host: configKeyHost(k), v }] : [];
    } catch {
      return [];
    }
  });
  const hit = entries.find((e) => e.host === host) ?? entries.find((e) => hostMatches(e.host, host));
  if (hit === undefined) return undefined;
  const v = hit.v;
  const out: PullAuth = {};
  if (typeof v.username === 'string') out.username = v.username;
  if (typeof v.password === 'string') out.password = v.password;
  if (typeof v.auth === 'string' && v.auth !== '') {
    out.auth = v.auth;
    const dec = Buffer.from(v.auth, 'base64').toString();
    const i = dec.indexOf(':');
    if (i > 0) {
      out.username ??= dec.slice(0, i);
      out.password ??= dec.slice(i + 1);
    }
  }
  if (typeof v.identitytoken === 'string') out.identityToken = v.identitytoken;
  if (typeof v.registrytoken === 'string') out.registryToken = v.registrytoken;
  return out;
}

/** username/password from a PullAuth (`auth` is base64 `user:pass`). */
export function basicCredentials(auth: PullAuth | undefined): { username: string; password: string } | undefined {
  if (auth === undefined) return undefined;
  if (auth.username !== undefined && auth.password !== undefined) return { username: auth.username, password: auth.password };
  if (auth.auth !== undefined) {
    const dec = Buffer.from(auth.auth, 'base64').toString();
    const i = dec.indexOf(':');
    if (i > 0) return { username: dec.slice(0, i), password: dec.slice(i + 1) };
  }
  return undefined;
}
