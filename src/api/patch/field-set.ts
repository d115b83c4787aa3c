// Sets of field paths, as server-side apply records ownership (FieldsV1).
//
// A path is a list of path elements, each a string in FieldsV1 notation:
//   f:<field>          a field of a map/struct          f:replicas
//   k:<json object>    a list-map item, by its keys     k:{"containerPort":80,"protocol":"TCP"}
//   v:<json value>     a set-list item, by value        v:"foregroundDeletion"
//   i:<n>              an item by position (unused here, kept on decode)
// The set is a trie. A node is a *member* when its own path is in the set. In
// FieldsV1 a member node with children carries `".": {}`; a member leaf is `{}`.
// Sets are immutable to callers: every operation returns a new set, which may share
// unchanged subtrees with its inputs (so insertMut is only for sets still being built).

import { isObject } from './json-value.js';

export class FieldSet {
  private readonly kids = new Map<string, FieldSet>();
  private member = false;

  static empty(): FieldSet {
    return new FieldSet();
  }

  /** Builds a set from paths. */
  static of(paths: Iterable<readonly string[]>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insertMut(p);
    return s;
  }

  /** Decodes a FieldsV1 object; unknown shapes are ignored. */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    if (!isObject(v)) return s;
    for (const k of Object.keys(v)) {
      if (k === '.') {
        s.member = true;
        continue;
      }
      const c = FieldSet.fromFieldsV1(v[k]);
      if (c.kids.size === 0) c.member = true;
      s.kids.set(k, c);
    }
    return s;
  }

  get isMember(): boolean {
    return this.member;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.kids.values()) if (!c.isEmpty()) return false;
    return true;
  }

  child(e: string): FieldSet | undefined {
    return this.kids.get(e);
  }

  childElements(): string[] {
    return [...this.kids.keys()];
  }

  has(path: readonly string[]): boolean {
    let n: FieldSet | undefined = this;
    for (const e of path) {
      n = n.kids.get(e);
      if (!n) return false;
    }
    return n.member;
  }

  /** Internal builder step; only used on sets not yet handed out. */
  insertMut(path: readonly string[]): void {
    let n: FieldSet = this;
    for (const e of path) {
      let c = n.kids.get(e);
      if (!c) {
        c = new FieldSet();
        n.kids.set(e, c);
      }
      n = c;
    }
    n.member = true;
  }

  /** All member paths, depth first, in FieldsV1 key order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (n: FieldSet, prefix: string[]): void => {
      if (n.member) out.push(prefix);
      for (const e of sortElements([...n.kids.keys()])) walk(n.kids.get(e) as FieldSet, [...prefix, e]);
    };
    walk(this, []);
    return out;
  }

  union(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member || o.member;
    for (const e of new Set([...this.kids.keys(), ...o.kids.keys()])) {
      const a = this.kids.get(e);
      const b = o.kids.get(e);
      s.kids.set(e, a && b ? a.union(b) : ((a ?? b) as FieldSet));
    }
    return s.pruned();
  }

  /** Members of this set that are not members of `o` (exact paths, not subtrees). */
  difference(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && !o.member;
    for (const [e, a] of this.kids) {
      const b = o.kids.get(e);
      s.kids.set(e, b ? a.difference(b) : a);
    }
    return s.pruned();
  }

  intersection(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && o.member;
    for (const [e, a] of this.kids) {
      const b = o.kids.get(e);
      if (b) s.kids.set(e, a.intersection(b));
    }
    return s.pruned();
  }

  /** This set without every path that has a member of `o` as prefix (or equals one). */
  withoutSubtrees(o: FieldSet): FieldSet {
    if (o.member) return new FieldSet();
    const s = new FieldSet();
    s.member = this.member;
    for (const [e, a] of this.kids) {
      const b = o.kids.get(e);
      s.kids.set(e, b ? a.withoutSubtrees(b) : a);
    }
    return s.pruned();
  }

  /** Only the paths under the given prefix (kept with the prefix). */
  onlySubtree(prefix: readonly string[]): FieldSet {
    const s = new FieldSet();
    let src: FieldSet | undefined = this;
    for (const e of prefix) {
      src = src.kids.get(e);
      if (!src) return s;
    }
    let dst: FieldSet = s;
    for (const e of prefix) {
      const c = new FieldSet();
      dst.kids.set(e, c);
      dst = c;
    }
    dst.member = src.member;
    for (const [e, c] of src.kids) dst.kids.set(e, c);
    return s.pruned();
  }

  equals(o: FieldSet): boolean {
    if (this.member !== o.member) return false;
    const a = this.pruned();
    const b = o.pruned();
    if (a.kids.size !== b.kids.size) return false;
    for (const [e, c] of a.kids) {
      const d = b.kids.get(e);
      if (!d || !c.equals(d)) return false;
    }
    return true;
  }

  /** FieldsV1 JSON: `"."` first, then elements sorted as upstream sorts them. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.kids.size > 0) out['.'] = {};
    for (const e of sortElements([...this.kids.keys()])) {
      const c = this.kids.get(e) as FieldSet;
      // A child is empty exactly when it is no member and renders no key (one walk, not two).
      const sub = c.toFieldsV1();
      if (c.member || hasKeys(sub)) out[e] = sub;
    }
    return out;
  }

  /** Drops empty children (non-member nodes without members below). */
  private pruned(): FieldSet {
    for (const [e, c] of [...this.kids]) if (c.isEmpty()) this.kids.delete(e);
    return this;
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

const ELEMENT_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Field names, then keys, then values, then indices; each group sorted. */
export function sortElements(elements: string[]): string[] {
  return elements.sort(compareElements);
}

/** The order of sortElements. */
export function compareElements(a: string, b: string): number {
  const ra = ELEMENT_RANK[a[0]] ?? 4;
  const rb = ELEMENT_RANK[b[0]] ?? 4;
  if (ra !== rb) return ra - rb;
  if (a[0] === 'i' && b[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export const fieldElement = (name: string): string => `f:${name}`;

/** `k:` element for a list-map item; key fields sorted by name, as upstream does. */
export function keyElement(keys: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

export const valueElement = (v: unknown): string => `v:${JSON.stringify(v)}`;

/**
 * Renders a path the way upstream prints it in conflict messages:
 * `.spec.template.spec.containers[name="nginx"].image`, `[=value]`, `[3]`.
 */
export function pathToString(path: readonly string[]): string {
  let out = '';
  for (const e of path) {
    const body = e.slice(2);
    switch (e.slice(0, 2)) {
      case 'f:':
        out += `.${body}`;
        break;
      case 'k:': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        if (isObject(parsed)) {
          out += `[${Object.keys(parsed).map((k) => `${k}=${JSON.stringify(parsed[k])}`).join(',')}]`;
        } else {
          out += `[${body}]`;
        }
        break;
      }
      case 'v:':
        out += `[=${body}]`;
        break;
      case 'i:':
        out += `[${body}]`;
        break;
      default:
        out += `.${e}`;
    }
  }
  return out;
}
