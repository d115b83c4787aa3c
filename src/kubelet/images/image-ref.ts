// Image reference normalization, as Docker's reference.ParseNormalizedNamed: a bare name is
// in docker.io/library, a first component without `.`/`:` (and not `localhost`) is a Docker
// Hub user, and a missing tag means `latest`. Pure.

import { ERR_IMAGE_INVALID_NAME } from '../../util/error-codes.js';

export class InvalidImageNameError extends Error {
  readonly code = ERR_IMAGE_INVALID_NAME;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPO_PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^@sha256:[a-f0-9]{64}$/;

export function normalizeImage(image: string): string {
  if (!image || image !== image.trim()) throw new InvalidImageNameError(`invalid reference format: "${image}"`);
  let name = image;
  let digest = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at);
    name = name.slice(0, at);
  }
  let tag = '';
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  if (!tag && !digest) tag = 'latest';
  const out = `${name}${tag ? ':' + tag : ''}${digest}`;
  const path = repository(out).split('/').slice(1).join('/');
  if (!REPO_PATH.test(path) || (tag && !TAG.test(tag)) || (digest && !DIGEST.test(digest))) {
    throw new InvalidImageNameError(`couldn't parse image name "${image}": invalid reference format`);
  }
  return out;
}

/** The registry host of a normalized reference (`docker.io`, `127.0.0.1:5000`, ...). */
export function registryHost(normalized: string): string {
  return normalized.split('/')[0];
}

/** The repository part without tag or digest: `docker.io/library/nginx`. */
export function repository(normalized: string): string {
  const at = normalized.indexOf('@');
  const n = at >= 0 ? normalized.slice(0, at) : normalized;
  const slash = n.lastIndexOf('/');
  const colon = n.lastIndexOf(':');
  return colon > slash ? n.slice(0, colon) : n;
}
