// Label and field selectors as ?labelSelector= / ?fieldSelector= carry them: strings built
// from the grammar's tokens with hostile pieces mixed in. Oracle: a selector or a 400; a
// selector that parses prints back to a string that parses to the same selector; matching
// and compiling for several kinds never throw.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { parseLabelSelector, selectorToString, matchesLabels, parseFieldSelector, fieldSelectorToString, compileObjectSelector } from '../../../src/api/selectors/index.js';
import type { KObject } from '../../../src/api/types/index.js';
import { decodeOrRefuse, type FuzzTarget } from '../target.js';
import { KINDS } from '../kinds.js';
import { hostileString } from '../arbitraries.js';

const labelToken = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('app', 'tier', 'example.com/a', 'a.b/c_d-e', 'x', 'in', 'notin', 'v1', '', '1', '-1', '5', 'a'.repeat(64)) },
  { weight: 6, arbitrary: fc.constantFrom('=', '==', '!=', '!', ',', ' ', '(', ')', ' in ', ' notin ', ' gt ', ' lt ', '>', '<', '\t') },
  { weight: 1, arbitrary: hostileString },
);
export const labelSelectorString = fc.array(labelToken, { maxLength: 14 }).map((t) => t.join(''));

const fieldToken = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase', 'type', 'spec.host', 'involvedObject.name', 'x') },
  { weight: 6, arbitrary: fc.constantFrom('=', '==', '!=', ',', '\\', '\\,', '\\=', '\\\\', 'a', 'Running', '') },
  { weight: 1, arbitrary: hostileString },
);
export const fieldSelectorString = fc.array(fieldToken, { maxLength: 10 }).map((t) => t.join(''));

const labels = fc.dictionary(fc.oneof(fc.constantFrom('app', 'tier', 'x', 'example.com/a'), hostileString), fc.oneof(fc.constantFrom('', 'v1', '5', '-1'), hostileString), { maxKeys: 4 });

export const selectorsTarget: FuzzTarget = {
  name: 'selectors',
  about: 'label/field selector strings: parse or 400, print-parse round trip, matching and per-kind compile never throw',
  weight: 1,
  open: () => ({
    property: fc.property(labelSelectorString, fieldSelectorString, labels, fc.nat({ max: KINDS.length - 1 }), (ls, fs, lab, k) => {
      const l = decodeOrRefuse(() => parseLabelSelector(ls));
      if (!(l instanceof Error)) {
        matchesLabels(l, lab);
        const printed = selectorToString(l);
        const again = decodeOrRefuse(() => parseLabelSelector(printed));
        assert.ok(!(again instanceof Error), `printed label selector ${JSON.stringify(printed)} (from ${JSON.stringify(ls)}) does not parse: ${String(again)}`);
        assert.equal(selectorToString(again), printed, `label selector round trip of ${JSON.stringify(ls)}`);
      }
      const f = decodeOrRefuse(() => parseFieldSelector(fs));
      if (!(f instanceof Error)) {
        const printed = fieldSelectorToString(f);
        const again = decodeOrRefuse(() => parseFieldSelector(printed));
        assert.ok(!(again instanceof Error), `printed field selector ${JSON.stringify(printed)} (from ${JSON.stringify(fs)}) does not parse: ${String(again)}`);
        // `==` prints as `=` (upstream's String() does the same); they mean the same.
        // The requirements are ANDed: their order carries no meaning.
        const norm = (x: typeof f): unknown => x.requirements.map((r) => JSON.stringify({ ...r, operator: r.operator === '==' ? '=' : r.operator })).sort();
        assert.deepEqual(norm(again), norm(f), `field selector round trip of ${JSON.stringify(fs)}`);
      }
      const kind = KINDS[k];
      const match = decodeOrRefuse(() => compileObjectSelector(kind.group, kind.kind, ls, fs));
      if (typeof match === 'function') {
        const obj = kind.sample('fuzz') as unknown as KObject;
        (obj.metadata as { labels?: unknown }).labels = lab;
        match(obj);
      }
      return true;
    }),
  }),
};
