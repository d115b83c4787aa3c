// Parses a request path into what it addresses, like upstream's RequestInfoFactory:
//   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/{resource}/{name}
// Namespaces themselves are a cluster-scoped resource: /api/v1/namespaces/{name}/status.
// The deprecated watch prefix (still served by upstream 1.32) puts `watch` before the
// namespace or resource: /api/v1/watch/namespaces/{ns}/{resource}[/{name}],
// /apis/{group}/{version}/watch/{resource}[/{name}]; such requests carry `watch: true`
// and are watches whatever the query says (a named one watches that one object).
export interface ResourceRequestInfo {
  kind: 'resource';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path elements after the subresource (proxy paths). */
  rest: string[];
  /** Set (true) only for the legacy `/watch/` path prefix. */
  watch?: true;
}

export interface NonResourceRequestInfo {
  kind: 'nonresource';
  path: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

export function parseRequestPath(pathname: string): RequestInfo {
  const parts = pathname.split('/').filter((p) => p.length > 0).map((p) => decodeURIComponent(p));
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { kind: 'nonresource', path: pathname };
  }
  const watch = rest[0] === 'watch' && rest.length >= 2;
  if (watch) rest = rest.slice(1);
  const info = resourceInfo(group, version, rest);
  if (watch) info.watch = true;
  return info;
}

function resourceInfo(group: string, version: string, rest: string[]): ResourceRequestInfo {
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    // /namespaces/{ns}/{resource}... — unless it is /namespaces/{name}/{subresource}
    // of the namespaces resource itself (status, finalize).
    if (group === '' && (rest[2] === 'status' || rest[2] === 'finalize') && rest.length === 3) {
      return { kind: 'resource', group, version, resource: 'namespaces', name: rest[1], subresource: rest[2], rest: [] };
    }
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...tail] = rest;
  return { kind: 'resource', group, version, namespace, resource, name, subresource, rest: tail };
}
