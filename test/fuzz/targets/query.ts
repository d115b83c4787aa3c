// Query strings and the request line's other inputs: list/watch/write/delete options, the
// Accept and Content-Type headers and the URL path. Pairs are drawn from the real parameter
// names and values with hostile ones mixed in. Oracle: parsed options or a 4xx Status.
import fc from 'fast-check';
import { parseListQuery, parseWriteQuery, parseDeleteQuery, parseForce } from '../../../src/apiserver/query.js';
import { parseAccept, bodyFormat } from '../../../src/apiserver/negotiate.js';
import { parseRequestPath } from '../../../src/apiserver/request-info.js';
import { parseRequestTarget } from '../../../src/util/request-target.js';
import { decodeOrFail, decodeOrRefuse, type FuzzTarget } from '../target.js';
import { hostileString } from '../arbitraries.js';

const NAMES = [
  'watch', 'labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'limit', 'continue', 'timeoutSeconds', 'allowWatchBookmarks',
  'sendInitialEvents', 'dryRun', 'fieldManager', 'fieldValidation', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents', 'force', 'pretty',
];
const VALUES = ['', '0', '1', '-1', 'true', 'false', 'True', '1e3', '0x10', '99999999999999999999', 'NaN', 'All', 'Exact', 'NotOlderThan', 'Strict', 'Warn', 'Ignore', 'Orphan', 'Foreground', 'Background', 'a=b', 'app in (x)'];
export const queryString = fc
  .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: hostileString }), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...VALUES) }, { weight: 2, arbitrary: hostileString })), { maxLength: 6 })
  .map((pairs) => new URLSearchParams(pairs).toString());

const mediaToken = fc.constantFrom('application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', '*/*', 'application/*', 'text/plain', ';as=Table', ';g=meta.k8s.io', ';v=v1', ';v=v1beta1', ';as=PartialObjectMetadataList', ';q=0.5', ',', ';', '=', '"', ' ');
export const headerValue = fc.oneof({ weight: 4, arbitrary: fc.array(mediaToken, { maxLength: 8 }).map((t) => t.join('')) }, { weight: 1, arbitrary: hostileString });

const segment = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('api', 'apis', 'v1', 'apps', 'namespaces', 'default', 'pods', 'x', 'status', 'log', 'exec', 'proxy', 'watch', '', '..', '%2F', '%', 'openapi', 'version', 'a:b', '[', '?', '#') }, { weight: 1, arbitrary: hostileString });
export const urlPath = fc.tuple(fc.constantFrom('/', '//', '', 'http://x/', '*'), fc.array(segment, { maxLength: 9 })).map(([p, s]) => `${p}${s.join('/')}`);

export const queryTarget: FuzzTarget = {
  name: 'query',
  about: 'query parameters (list/watch/write/delete options), Accept/Content-Type, URL paths: options or a 4xx Status',
  weight: 1,
  open: () => ({
    property: fc.property(queryString, headerValue, urlPath, (qs, header, path) => {
      const q = new URLSearchParams(qs);
      decodeOrRefuse(() => parseListQuery(q, false));
      decodeOrRefuse(() => parseListQuery(q, true));
      for (const k of ['CreateOptions', 'UpdateOptions', 'PatchOptions', 'DeleteOptions'] as const) decodeOrRefuse(() => parseWriteQuery(q, k));
      decodeOrRefuse(() => parseDeleteQuery(q));
      parseForce(q);
      decodeOrRefuse(() => parseAccept(header));
      decodeOrRefuse(() => bodyFormat(header));
      // As the server: the request-target's URL (a target that is none is a 400), then its
      // path, where a throw (URIError for a bad %-escape) is a 400 too.
      const url = parseRequestTarget(path, 'https://localhost');
      if (url) decodeOrFail(() => parseRequestPath(url.pathname), URIError);
      return true;
    }),
  }),
};
