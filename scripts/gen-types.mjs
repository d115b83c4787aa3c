#!/usr/bin/env node
// Generates src/api/types/generated.ts, the TypeScript model of every built-in kind and its
// nested types, from the same protobuf wire-facts table that drives protobuf and OpenAPI
// (scripts/schema/k8s-wire-facts.json; see scripts/gen-schema.mjs).
//
//   node scripts/gen-types.mjs [--check] [path/to/k8s-wire-facts.json]
//
// --check regenerates in memory and exits 1, naming the file, when the committed output differs
// (CI runs it; see .ci/run).
//
// Rules (the facts decide names, optionality and nesting; nothing else is read):
//  * One interface per message, its fields in Go struct order under their JSON names; json:"-"
//    fields (raw bytes) are left out. An embedded (inline) struct becomes `extends`.
//  * Optional (`?`) when the Go field is omitempty or a pointer. A field without either is
//    required: Go writes it even when zero, so an object the server returns has it. (Bodies
//    straight from a client, before validation, may lack them: code reading raw request bodies
//    keeps KObject.) A kind's `metadata` is required, as KObject demands.
//  * Scalars: string → string; bytes → string (base64); int32/int64 → number; bool → boolean.
//    repeated → T[]; map<string, V> → Record<string, V>.
//  * Special wire types keep their JSON shapes, as exported aliases: Quantity → string;
//    IntOrString → number | string; Time / MicroTime → string (RFC 3339); Duration → string
//    (Go duration, "1m30s"); RawExtension (and apiextensions JSON) → unknown; FieldsV1 →
//    Record<string, unknown>; ExtraValue / Verbs → string[]. A non-pointer Time or MicroTime
//    field may also be null: Go writes the zero time as null (kubectl sends
//    `creationTimestamp: null`).
//  * Top-level kinds (a `metadata` field of type ObjectMeta) extend KObject from ./meta.ts, so
//    they pass wherever a KObject is expected: `interface Pod extends KObject { metadata:
//    ObjectMeta; spec?: PodSpec; status?: PodStatus }`. KObject brings apiVersion?, kind? and its
//    index signature. Lists (a `metadata` of type ListMeta), Status and the meta/v1 option and
//    discovery kinds get `apiVersion?` and `kind?` (Go's inline TypeMeta, absent from the
//    protobuf facts).
//  * Names: the message's last label (`k8s.io.api.core.v1.Pod` → Pod). When several messages
//    share a last label, the plain name goes to the first in this order and the others get a
//    package+version-qualified name (`k8s.io.api.events.v1.Event` → EventsV1Event,
//    `k8s.io.apimachinery.pkg.apis.meta.v1.Preconditions` → MetaV1Preconditions,
//    `k8s.io.apimachinery.pkg.runtime.TypeMeta` → RuntimeTypeMeta):
//      1. core/v1;  2. meta/v1;  3. the API groups, newest stable version first (v2 before v1,
//      v1 before v1beta1 before v1alpha1), then by group name;  4. other apimachinery packages.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const OBJECT_META = `${META}.ObjectMeta`;
const LIST_META = `${META}.ListMeta`;

/** Full message name → TypeScript type of its JSON form (see the header). */
export const SPECIAL_TYPES = new Map([
  ['k8s.io.apimachinery.pkg.api.resource.Quantity', 'string'],
  ['k8s.io.apimachinery.pkg.util.intstr.IntOrString', 'number | string'],
  [`${META}.Time`, 'string'],
  [`${META}.MicroTime`, 'string'],
  [`${META}.Duration`, 'string'],
  ['k8s.io.apimachinery.pkg.runtime.RawExtension', 'unknown'],
  ['k8s.io.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON', 'unknown'],
  [`${META}.FieldsV1`, 'Record<string, unknown>'],
  [`${META}.Verbs`, 'string[]'],
  ['k8s.io.api.authorization.v1.ExtraValue', 'string[]'],
  ['k8s.io.api.authentication.v1.ExtraValue', 'string[]'],
  ['k8s.io.api.certificates.v1.ExtraValue', 'string[]'],
]);
const NULLABLE_WHEN_VALUE = new Set([`${META}.Time`, `${META}.MicroTime`]);

const SCALARS = new Map([['string', 'string'], ['bytes', 'string'], ['int32', 'number'], ['int64', 'number'], ['bool', 'boolean']]);

/** meta/v1 kinds that carry an inline TypeMeta in Go though the protobuf facts do not show it. */
const META_TYPED_KINDS = new Set([
  'APIGroup', 'APIGroupList', 'APIResourceList', 'APIVersions', 'CreateOptions', 'DeleteOptions',
  'GetOptions', 'ListOptions', 'PatchOptions', 'UpdateOptions', 'ApplyOptions', 'Status',
]);

// Corrections to the facts table, as in gen-schema.mjs: EphemeralContainer embeds
// EphemeralContainerCommon (json:",inline") though the table does not mark it inline.
const INLINE_FIXES = new Set(['k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon']);

function pascal(s) {
  return s.replace(/(^|[-_.])([a-z0-9])/g, (_, _sep, c) => c.toUpperCase());
}

/** { pkg, version } of a message's package, e.g. ('events', 'v1'); version '' when unversioned. */
function packageParts(name) {
  const pkg = name.slice(0, name.lastIndexOf('.'));
  const labels = pkg.split('.');
  const last = labels[labels.length - 1];
  if (/^v\d+((alpha|beta)\d+)?$/.test(last)) return { pkg: labels[labels.length - 2], version: last };
  return { pkg: last, version: '' };
}

/** Sort key of a package for the plain-name preference (lower wins). */
function preference(name) {
  const { version } = packageParts(name);
  const pkg = name.slice(0, name.lastIndexOf('.'));
  if (pkg === 'k8s.io.api.core.v1') return [0, 0, ''];
  if (pkg === META) return [1, 0, ''];
  if (pkg.startsWith('k8s.io.api.')) {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    const stability = m === null ? 3 : m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    const major = m === null ? 0 : Number(m[1]);
    const minor = m === null || m[3] === undefined ? 0 : Number(m[3]);
    // Stable first, then higher major, then higher pre-release number, then group name.
    return [2, stability * 1e6 - major * 1e3 - minor, pkg];
  }
  return [3, 0, pkg];
}

function compareKeys(a, b) {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

/** Full message name → TypeScript name, resolving collisions by the preference order. */
export function typeNames(messageNames) {
  const byShort = new Map();
  for (const n of messageNames) {
    const short = n.slice(n.lastIndexOf('.') + 1);
    const list = byShort.get(short) ?? [];
    list.push(n);
    byShort.set(short, list);
  }
  const out = new Map();
  for (const [short, list] of byShort) {
    list.sort((a, b) => compareKeys(preference(a), preference(b)) || (a < b ? -1 : a > b ? 1 : 0));
    list.forEach((n, i) => {
      if (i === 0) return out.set(n, short);
      const { pkg, version } = packageParts(n);
      out.set(n, `${pascal(pkg)}${version ? pascal(version) : ''}${short}`);
    });
  }
  const seen = new Map();
  for (const [n, ts] of out) {
    if (seen.has(ts)) throw new Error(`type name ${ts} given to both ${seen.get(ts)} and ${n}`);
    seen.set(ts, n);
  }
  return out;
}

function isIdentifier(s) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
}

/** The generated module's text for a facts table ({ messages: { name: field[] } }). */
export function generateTypes(facts) {
  const messages = facts?.messages;
  if (!messages || typeof messages !== 'object') throw new Error('facts: no "messages" object');
  const all = Object.keys(messages).sort();
  const names = typeNames(all);
  const out = [];
  out.push(`// GENERATED by scripts/gen-types.mjs from scripts/schema/k8s-wire-facts.json. Do not edit by hand.
// The JSON shape of every built-in kind and its nested types; the rules (optionality, special
// wire types, KObject, name collisions) are in the generator's header.
import type { KObject } from './meta.js';
`);
  const aliases = [];
  for (const n of all) {
    const special = SPECIAL_TYPES.get(n);
    if (special !== undefined) aliases.push(`/** ${n} */\nexport type ${names.get(n)} = ${special};\n`);
  }
  out.push(aliases.join('\n'));

  const typeOf = (owner, f) => {
    if (SCALARS.has(f.type)) return SCALARS.get(f.type);
    if (!Object.prototype.hasOwnProperty.call(messages, f.type)) throw new Error(`${owner}.${f.name}: unknown type ${f.type}`);
    return names.get(f.type);
  };

  for (const n of all) {
    if (SPECIAL_TYPES.has(n)) continue;
    const fields = messages[n];
    const ts = names.get(n);
    const metaField = fields.find((f) => f.name === 'metadata' && !f.inline);
    const isKind = metaField?.type === OBJECT_META;
    const short = n.slice(n.lastIndexOf('.') + 1);
    const typed = !isKind && (metaField?.type === LIST_META || (n.startsWith(`${META}.`) && META_TYPED_KINDS.has(short)));
    const bases = [];
    if (isKind) bases.push('KObject');
    const body = [];
    if (typed) body.push('  apiVersion?: string;', '  kind?: string;');
    for (const f of fields) {
      if (f.json === '-') continue;
      if (f.inline || INLINE_FIXES.has(`${n}.${f.name}`)) {
        if (SCALARS.has(f.type) || SPECIAL_TYPES.has(f.type)) throw new Error(`${n}.${f.name}: inline ${f.type} unsupported`);
        bases.push(typeOf(n, f));
        continue;
      }
      const json = typeof f.json === 'string' && f.json !== '' ? f.json : f.name;
      let t = typeOf(n, f);
      if (f.map) {
        if (f.keyType !== 'string') throw new Error(`${n}.${f.name}: map key ${f.keyType} unsupported`);
        t = `Record<string, ${t}>`;
      } else if (f.repeated) {
        t = /^[A-Za-z0-9_]+$/.test(t) ? `${t}[]` : `(${t})[]`;
      } else if (NULLABLE_WHEN_VALUE.has(f.type) && !f.goPointer) {
        t = `${t} | null`;
      }
      const required = isKind && json === 'metadata' ? true : !f.omitempty && !f.goPointer;
      const key = isIdentifier(json) ? json : JSON.stringify(json);
      body.push(`  ${key}${required ? '' : '?'}: ${t};`);
    }
    const ext = bases.length ? ` extends ${bases.join(', ')}` : '';
    const inner = body.length ? `\n${body.join('\n')}\n` : '';
    out.push(`/** ${n} */\nexport interface ${ts}${ext} {${inner}}\n`);
  }
  return out.join('\n');
}

function main(argv) {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const check = argv.includes('--check');
  const positional = argv.filter((a) => a !== '--check');
  const input = resolve(positional[0] ?? resolve(repo, 'scripts/schema/k8s-wire-facts.json'));
  const output = resolve(repo, 'src/api/types/generated.ts');
  const text = generateTypes(JSON.parse(readFileSync(input, 'utf8')));
  if (check) {
    let current = '';
    try { current = readFileSync(output, 'utf8'); } catch { /* missing counts as different */ }
    if (current !== text) {
      console.error(`${relative(process.cwd(), output)} is out of date: run node scripts/gen-types.mjs and commit it`);
      process.exit(1);
    }
    console.log(`${relative(process.cwd(), output)} is up to date`);
    return;
  }
  writeFileSync(output, text);
  console.log(`wrote ${output}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
