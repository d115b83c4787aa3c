// Incremental sync: from the rules the kernel holds (`prev`) and the rules wanted (`next`), the
// one `nft -f -` transaction that turns the first into the second. Pure: no I/O.
//
// A service port's chains and sets are its own (their names embed its id), so a port that did not
// change is skipped without a look (compileRules hands back the same object), and for one that
// did, only its chains whose rules differ are flushed and refilled. Map elements are compared
// key by key and added or deleted one by one. Objects nobody uses any more are deleted at the
// end, once nothing refers to them. Affinity sets whose definition did not change are never
// touched, so their entries (the sticky clients) survive.
//
// Order inside the transaction (every reference is valid at every step):
//   1. delete map elements that go away or change verdict   (frees the chains they point to)
//   2. flush chains that change or go away                  (frees the chains and sets they use)
//   3. delete affinity sets whose timeout changed
//   4. add new and redefined sets, add new chains (empty)
//   5. fill the new and changed chains
//   6. add map elements that are new or changed verdict
//   7. delete chains and sets that went away
import { MAP_NAMES, setSpec, type CompiledRules, type MapName, type ServicePortRules } from './rules.js';

const NO_SETS: ReadonlyMap<string, number> = new Map();
const NO_CHAINS: ReadonlyMap<string, readonly string[]> = new Map();

/** What a delta does, counted (for logs, tests and the benchmark). */
export interface DeltaCounts {
  chainsAdded: number;
  chainsRewritten: number;
  chainsDeleted: number;
  setsAdded: number;
  setsDeleted: number;
  elementsAdded: number;
  elementsDeleted: number;
}

export interface Delta {
  /** The nft script ('' when the kernel already holds `next`). */
  text: string;
  counts: DeltaCounts;
}

/**
 * The transaction turning `prev` into `next`, or undefined when only a full rebuild can do it
 * (the table itself changed).
 */
export function renderDeltaRules(prev: CompiledRules, next: CompiledRules): Delta | undefined {
  if (prev.tableName !== next.tableName) return undefined;
  const t = `ip ${next.tableName}`;
  const flush: string[] = [];
  const redefinedSets: string[] = [];
  const addSets: string[] = [];
  const addChains: string[] = [];
  const fill: Array<readonly [string, readonly string[]]> = [];
  const deleteChains: string[] = [];
  const deleteSets: string[] = [];

  const ids = new Set([...prev.ports.keys(), ...next.ports.keys()]);
  for (const id of ids) {
    const a = prev.ports.get(id);
    const b = next.ports.get(id);
    if (a === b) continue;
    const aSets = a?.affinitySets ?? NO_SETS;
    const bSets = b?.affinitySets ?? NO_SETS;
    let setRedefined = false;
    for (const [name, timeout] of bSets) {
      const old = aSets.get(name);
      if (old === undefined) addSets.push(`add set ${t} ${name} { ${setSpec(timeout)} }`);
      else if (old !== timeout) {
        // The timeout of an existing set cannot be changed in place: recreate it (its entries go).
        setRedefined = true;
        redefinedSets.push(name);
        addSets.push(`add set ${t} ${name} { ${setSpec(timeout)} }`);
      }
    }
    for (const name of aSets.keys()) if (!bSets.has(name)) deleteSets.push(name);
    diffChains(a, b, setRedefined, { flush, addChains, fill, deleteChains });
  }

  const deleteElements: string[] = [];
  const addElements: string[] = [];
  let elementsAdded = 0;
  let elementsDeleted = 0;
  for (const m of MAP_NAMES) {
    const gone: string[] = [];
    const added: string[] = [];
    const before = prev.maps[m];
    const after = next.maps[m];
    for (const [key, verdict] of before) if (after.get(key) !== verdict) gone.push(key);
    for (const [key, verdict] of after) if (before.get(key) !== verdict) added.push(`${key} : ${verdict}`);
    if (gone.length) deleteElements.push(elementCommand('delete', t, m, gone));
    if (added.length) addElements.push(elementCommand('add', t, m, added));
    elementsAdded += added.length;
    elementsDeleted += gone.length;
  }

  const L: string[] = [
    ...deleteElements,
    ...flush.map((c) => `flush chain ${t} ${c}`),
    ...redefinedSets.map((s) => `delete set ${t} ${s}`),
    ...addSets,
    ...addChains.map((c) => `add chain ${t} ${c}`),
  ];
  for (const [chain, rules] of fill) for (const r of rules) L.push(`add rule ${t} ${chain} ${r}`);
  L.push(...addElements, ...deleteChains.map((c) => `delete chain ${t} ${c}`), ...deleteSets.map((s) => `delete set ${t} ${s}`));
  return {
    text: L.length ? L.join('\n') + '\n' : '',
    counts: {
      chainsAdded: addChains.length,
      chainsRewritten: fill.length - addChains.length,
      chainsDeleted: deleteChains.length,
      setsAdded: addSets.length,
      setsDeleted: deleteSets.length + redefinedSets.length,
      elementsAdded,
      elementsDeleted,
    },
  };
}

function diffChains(
  a: ServicePortRules | undefined,
  b: ServicePortRules | undefined,
  rewriteAll: boolean,
  out: { flush: string[]; addChains: string[]; fill: Array<readonly [string, readonly string[]]>; deleteChains: string[] },
): void {
  const before = a?.chains ?? NO_CHAINS;
  const after = b?.chains ?? NO_CHAINS;
  for (const [name, rules] of after) {
    const old = before.get(name);
    if (!old) {
      out.addChains.push(name);
      out.fill.push([name, rules]);
    } else if (rewriteAll || !sameRules(old, rules)) {
      out.flush.push(name);
      out.fill.push([name, rules]);
    }
  }
  for (const name of before.keys()) {
    if (after.has(name)) continue;
    out.flush.push(name);
    out.deleteChains.push(name);
  }
}

function sameRules(x: readonly string[], y: readonly string[]): boolean {
  return x === y || (x.length === y.length && x.every((r, i) => r === y[i]));
}

function elementCommand(verb: 'add' | 'delete', t: string, map: MapName, items: string[]): string {
  return `${verb} element ${t} ${map} { ${items.join(', ')} }`;
}
