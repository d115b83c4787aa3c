// Image reference parsing and normalization, as containerd/k3s (docker/distribution `reference`)
// do it:
//
//   nginx                        → docker.io/library/nginx:latest
//   library/nginx:1.14-alpine    → docker.io/library/nginx:1.14-alpine
//   k8s.gcr.io/echoserver:1.4    → k8s.gcr.io/echoserver:1.4
//   localhost:5000/x:y           → localhost:5000/x:y
//   nginx@sha256:<64 hex>        → docker.io/library/nginx@sha256:<64 hex>
//
// The first path component is a registry host when it contains `.` or `:` or is `localhost`.
// Pure functions, no I/O.

import { ImageError } from './errors.js';
import { ERR_IMAGE_REFERENCE } from '../../util/error-codes.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

export interface ImageReference {
  /** Registry host (and port), e.g. `docker.io`, `k8s.gcr.io`, `127.0.0.1:5000`. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. `library/nginx`. */
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<hex>`. */
  readonly digest?: string;
}

/** Parses and normalizes a reference; a missing tag (and digest) becomes `latest`. */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref === '') throw new ImageError(ERR_IMAGE_REFERENCE, 'empty image reference');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new ImageError(ERR_IMAGE_REFERENCE, `invalid digest in image reference "${input}"`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw new ImageError(ERR_IMAGE_REFERENCE, `invalid tag in image reference "${input}"`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN_RE.test(domain)) throw new ImageError(ERR_IMAGE_REFERENCE, `invalid registry host in image reference "${input}"`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path === '' || path.length > 255) throw new ImageError(ERR_IMAGE_REFERENCE, `invalid repository name in image reference "${input}"`);
  for (const c of path.split('/')) {
    if (!PATH_COMPONENT_RE.test(c)) {
      throw new ImageError(ERR_IMAGE_REFERENCE, `invalid repository name "${path}" in image reference "${input}" (lowercase letters, digits and separators only)`);
    }
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `domain/path` (no tag, no digest). */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Full normalized string: `domain/path[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Normalizes a reference string (`nginx` → `docker.io/library/nginx:latest`). */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** Docker's "familiar" form for display: `docker.io/library/nginx:1.14` → `nginx:1.14`. */
export function familiarName(input: string | ImageReference): string {
  const ref = typeof input === 'string' ? parseReference(input) : input;
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) && ref.path.split('/').length === 2 ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  return name + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** `docker.io/library/nginx@sha256:...` for a repository and a manifest digest. */
export function repoDigest(ref: ImageReference, manifestDigest: string): string {
  return `${repositoryName(ref)}@${manifestDigest}`;
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}
