#!/usr/bin/env node
// Checks the component boundaries declared in scripts/boundaries.json against the real import
// graph (read with the TypeScript compiler API, see scripts/import-graph.mjs). Exits 1 and prints
// one line per violation:
//   FILE:LINE  imports TARGET  [rule]  how to fix
//
//   node scripts/check-boundaries.mjs [--root DIR] [--manifest FILE]
//
// Rules (the manifest documents the components, their surfaces and the layers):
// - internal:  a file imports another component's file that is not one of that component's
//              surface files (its index.ts, or the few extra surfaces the manifest lists).
// - layer:     a file imports a component in a higher layer than its own (imports may go down
//              the layers or sideways to a peer in the same layer; never up).
// - cycle:     the components' import graph has a cycle. Type-only imports count here: a cycle
//              through types still ties the components together.
// - test-only: shipped code imports test code (a testing/ folder, *.test.ts, test/, bench/).
// - unowned:   a file under src/ belongs to no component and is not test code.
// Test code (the manifest's "testCode" patterns) may reach into any component's internals and
// across layers (a test of the scheduler may start an API server); it is left out of the rules
// above and of the cycle graph. Relative imports that resolve to nothing are left to tsc.
// An "allow" entry in the manifest exempts one importing file (or folder, with a trailing '/')
// from one rule towards one target file or component; each entry carries its reason.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanImports } from './import-graph.mjs';

/** '**' any path, '*' any name part; matched against the whole path. */
export function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Compiles the manifest into lookups used by check(). */
export function loadModel(manifest) {
  const components = manifest.components.map((c) => ({
    ...c,
    dir: c.dir.replace(/\/$/, ''),
    surfaceRes: c.surface.map(globToRegExp),
  }));
  const byName = new Map(components.map((c) => [c.name, c]));
  const layerOf = new Map();
  manifest.layers.forEach((names, i) => {
    for (const n of names) {
      if (!byName.has(n)) throw new Error(`boundaries manifest: layer ${i} names unknown component ${n}`);
      layerOf.set(n, i);
    }
  });
  for (const c of components) if (!layerOf.has(c.name)) throw new Error(`boundaries manifest: component ${c.name} is in no layer`);
  const testRes = manifest.testCode.map(globToRegExp);
  // Longest directory wins, so src/api/patch/x.ts belongs to api/patch rather than api.
  const sorted = [...components].sort((a, b) => b.dir.length - a.dir.length);
  const componentOf = (file) => sorted.find((c) => file.startsWith(`${c.dir}/`)) ?? null;
  const isTest = (file) => testRes.some((r) => r.test(file));
  const isSurface = (c, file) => c.surfaceRes.some((r) => r.test(file.slice(c.dir.length + 1)));
  return { components, byName, layerOf, componentOf, isTest, isSurface, allow: manifest.allow ?? [], layers: manifest.layers };
}

function allowed(model, rule, file, targetFile, targetComp) {
  return model.allow.some(
    (a) =>
      a.rule === rule &&
      (a.from === file || (a.from.endsWith('/') && file.startsWith(a.from))) &&
      (a.to === targetFile || a.to === targetComp || (a.to.endsWith('/') && targetFile?.startsWith(a.to))),
  );
}

/** Returns the violations as { file, line, rule, target, message } sorted by place. */
export function check(model, graph) {
  const out = [];
  const edges = new Map(); // "A\0B" -> first import making the edge
  for (const f of graph.files) {
    if (f.startsWith('src/') && !model.isTest(f) && !model.componentOf(f)) {
      out.push({ file: f, line: 1, rule: 'unowned', target: '', message: 'belongs to no component: add its folder to scripts/boundaries.json (a component and a layer) or move it into one' });
    }
  }
  for (const imp of graph.imports) {
    if (!imp.target || model.isTest(imp.file)) continue;
    const from = model.componentOf(imp.file);
    const to = model.componentOf(imp.target);
    const what = `${imp.typeOnly ? 'type ' : ''}${imp.kind === 'dynamic' ? 'import()' : imp.kind === 'export' ? 're-export' : 'import'} '${imp.specifier}'`;
    if (model.isTest(imp.target)) {
      if (!allowed(model, 'test-only', imp.file, imp.target, to?.name)) {
        out.push({ file: imp.file, line: imp.line, rule: 'test-only', target: imp.target, message: `${what}: shipped code must not import test code (${imp.target}); move the helper out of testing/ or the import into a test` });
      }
      continue;
    }
    if (!from || !to || from === to) continue;
    const key = `${from.name}\0${to.name}`;
    if (!edges.has(key)) edges.set(key, imp);
    if (!model.isSurface(to, imp.target) && !allowed(model, 'internal', imp.file, imp.target, to.name)) {
      const surfaces = to.surface.map((s) => `${to.dir}/${s}`).join(', ');
      out.push({ file: imp.file, line: imp.line, rule: 'internal', target: imp.target, message: `${what} reaches into ${to.name}'s internals (${imp.target}); import it from ${to.name}'s surface (${surfaces}), exporting it there if it is missing` });
    }
    const lf = model.layerOf.get(from.name);
    const lt = model.layerOf.get(to.name);
    if (lt > lf && !allowed(model, 'layer', imp.file, imp.target, to.name)) {
      out.push({ file: imp.file, line: imp.line, rule: 'layer', target: imp.target, message: `${what}: ${from.name} (layer ${lf}) imports ${to.name} (layer ${lt}), up the layers; move the shared code down (into ${to.name}'s dependencies or a lower component) or invert the dependency (pass it in)` });
    }
  }
  // Cycles between components: strongly connected components of the edge graph (Tarjan).
  const adj = new Map();
  for (const key of edges.keys()) {
    const [a, b] = key.split('\0');
    if (!adj.has(a)) adj.set(a, []);
    adj.get(a).push(b);
  }
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const sccs = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) sccs.push(scc.sort());
    }
  };
  for (const v of [...adj.keys()].sort()) if (!idx.has(v)) strong(v);
  for (const scc of sccs) {
    const inScc = new Set(scc);
    for (const [key, imp] of [...edges].sort()) {
      const [a, b] = key.split('\0');
      if (!inScc.has(a) || !inScc.has(b)) continue;
      if (allowed(model, 'cycle', imp.file, imp.target, b)) continue;
      out.push({ file: imp.file, line: imp.line, rule: 'cycle', target: imp.target, message: `${imp.typeOnly ? 'type ' : ''}import '${imp.specifier}': ${a} -> ${b} is part of the component cycle {${scc.join(', ')}}; break it by moving the shared code (types too) into a lower component` });
    }
  }
  return out.sort((x, y) => x.file.localeCompare(y.file) || x.line - y.line || x.rule.localeCompare(y.rule));
}

export async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = resolve(arg('--root') ?? join(fileURLToPath(import.meta.url), '../..'));
  const manifestPath = resolve(arg('--manifest') ?? join(root, 'scripts/boundaries.json'));
  const model = loadModel(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const graph = await scanImports(root);
  const violations = check(model, graph);
  for (const v of violations) console.log(`${v.file}:${v.line}  [${v.rule}]  ${v.message}`);
  if (violations.length) {
    console.log(`check-boundaries: ${violations.length} violation(s); the rules and components are documented in scripts/check-boundaries.mjs and ${manifestPath}`);
    return 1;
  }
  console.log(`check-boundaries: ${graph.files.length} files, ${graph.imports.length} relative imports, ${model.components.length} components: ok`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`check-boundaries: ${err?.stack ?? err}`);
      process.exit(2);
    },
  );
}
