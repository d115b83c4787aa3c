// The URL of an HTTP request-target as servers see it (RFC 9112 §3.2). node's req.url is the
// raw target; `new URL(req.url, base)` reads an origin-form target that starts with `//` as
// a scheme-relative URL, so `//host/api/v1/...` would lose its first segment to the host and be
// served as `/api/v1/...`, and `//%2F` would throw. Here an origin-form target is always a path.

/** The URL of `target` (undefined: `/`) under `origin`; undefined when it is not a URL at all. */
export function parseRequestTarget(target: string | undefined, origin: string): URL | undefined {
  const t = target ?? '/';
  try {
    return t.startsWith('/') ? new URL(`${origin}${t}`) : new URL(t, origin);
  } catch {
    return undefined;
  }
}
