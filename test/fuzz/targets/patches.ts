// PATCH of each type on objects of several kinds: JSON patch (RFC 6902 operations with
// hostile pointers), merge patch, strategic merge patch (with its $patch / $setElementOrder /
// $retainKeys / $deleteFromPrimitiveList directives) and server-side apply, decoded by the
// server's body decoders first. Oracle: a patched object or a 4xx StatusError (upstream's
// 400/409/422), or for strategic merge patches the bare 500 upstream answers for merge errors
// (reason ""; src/api/patch/patch-error.ts).
import fc from 'fast-check';
import { patchObject, applyObject } from '../../../src/api/patch/index.js';
import { parseJsonBody, parseYamlBody, checkBodyDepth, MAX_BODY_DEPTH } from '../../../src/apiserver/negotiate.js';
import { jsonDepthExceeds } from '../../../src/util/json.js';
import type { KObject } from '../../../src/api/types/index.js';
import { decodeOrRefuse, type FuzzTarget } from '../target.js';
import { KINDS, FIELD_NAMES } from '../kinds.js';
import { almost, jsonValue, hostileString, setAt, pathInto, jsonText } from '../arbitraries.js';

const pointer = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.oneof(fc.constantFrom(...FIELD_NAMES, '-', '0', '1', '01', '~0', '~1', '~2', '999999999999'), hostileString), { maxLength: 5 }).map((p) => `/${p.join('/')}`) },
  { weight: 1, arbitrary: hostileString },
);
const jsonOp = fc.record(
  { op: fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'), hostileString), path: pointer, from: pointer, value: jsonValue },
  { requiredKeys: ['op', 'path'] },
);
const jsonPatch = fc.oneof({ weight: 8, arbitrary: fc.array(jsonOp, { maxLength: 8 }) }, { weight: 1, arbitrary: jsonValue });

const DIRECTIVES = ['$patch', '$retainKeys', '$deleteFromPrimitiveList/finalizers', '$setElementOrder/containers', '$setElementOrder/ports', '$deleteFromPrimitiveList/command'];
const directiveValue = fc.oneof(fc.constantFrom('replace', 'delete', 'merge', 'bogus'), fc.array(fc.oneof(hostileString, fc.record({ name: hostileString, port: fc.integer() })), { maxLength: 3 }), jsonValue);

function mapPatch(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(fc.tuple(pathInto([...FIELD_NAMES, ...DIRECTIVES]), fc.oneof(jsonValue, directiveValue, fc.constant(null))), { maxLength: 4 }).map((edits) => edits.reduce((o, [p, v]) => setAt(o, p, v), {} as Record<string, unknown>)) },
    { weight: 2, arbitrary: almost(base, [...FIELD_NAMES, ...DIRECTIVES]) },
    { weight: 1, arbitrary: jsonValue },
  );
}

/** A patch document of `type` for kind KINDS[k] (an apply body is an almost-valid object). */
export function patchDoc(k: number, type: 'json' | 'merge' | 'strategic' | 'apply', name = 'fuzz'): fc.Arbitrary<unknown> {
  const base = KINDS[k].sample(name);
  if (type === 'json') return jsonPatch;
  if (type === 'apply') return fc.oneof({ weight: 4, arbitrary: almost(base, FIELD_NAMES) }, { weight: 1, arbitrary: mapPatch(base) });
  return mapPatch(base);
}

export const patchInput = fc.record({ k: fc.nat({ max: KINDS.length - 1 }), type: fc.constantFrom('json', 'merge', 'strategic', 'apply') }).chain(({ k, type }) => {
  const doc = almost(KINDS[k].sample('fuzz'), FIELD_NAMES);
  return fc.record({ k: fc.constant(k), type: fc.constant(type), doc, patch: patchDoc(k, type), exists: fc.boolean(), force: fc.boolean(), manager: fc.oneof(fc.constant('fuzz'), hostileString) });
});

export const patchesTarget: FuzzTarget = {
  name: 'patches',
  about: 'json/merge/strategic patches and server-side apply on almost-valid objects: a result or a 4xx Status',
  weight: 3,
  open: () => ({
    property: fc.property(patchInput, ({ k, type, doc, patch, exists, force, manager }) => {
      const kind = KINDS[k];
      const target = { group: kind.group, kind: kind.kind };
      // As the server has them: the live object as stored (bounded like any body), the patch
      // decoded from its text by the server's own decoder.
      let live: KObject;
      try {
        live = JSON.parse(jsonText(doc)) as KObject;
      } catch {
        return true;
      }
      if (jsonDepthExceeds(live, MAX_BODY_DEPTH)) return true;
      const body = decodeOrRefuse(() => (type === 'apply' ? parseYamlBody(Buffer.from(jsonText(patch))) : parseJsonBody(Buffer.from(jsonText(patch)))));
      if (body instanceof Error) return true;
      let out: unknown;
      if (type === 'apply') {
        out = decodeOrRefuse(() => {
          if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
          return applyObject(target, exists ? live : undefined, body as KObject, { manager, force, apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, now: '2026-01-01T00:00:00Z', hasStatus: true });
        });
      } else {
        out = decodeOrRefuse(() => patchObject(target, type as 'json' | 'merge' | 'strategic', live, body), type === 'strategic');
      }
      if (out && !(out instanceof Error)) decodeOrRefuse(() => checkBodyDepth(out, 'the patched object'));
      return true;
    }),
  }),
};
