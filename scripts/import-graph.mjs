// The repository's import graph, read with the TypeScript compiler API (typescript@7's
// `unstable/sync` API: it parses with the native compiler, so the syntax is exactly what tsc
// sees). Shared by scripts/check-boundaries.mjs and usable by one-off tools (codemods).
//
// scanImports(root) opens root/tsconfig.json and returns, for every .ts file of that project
// under root (node_modules and .d.ts files left out), its relative imports:
//   { file, line, specifier, target, kind, typeOnly, names }
// - file, target: paths relative to root with '/' separators; target is the .ts file the
//   specifier resolves to (NodeNext style: './x.js' → './x.ts', './dir/index.js'), or null when
//   nothing on disk matches.
// - kind: 'import' | 'export' (export … from) | 'dynamic' (import('literal')) | 'type-query'
//   (`typeof import('…')` / `import('…').T` in a type position).
// - typeOnly: true when the statement is erased from the emitted JavaScript (`import type`,
//   `export type`, every specifier marked `type`, or a type-query); such imports cost nothing at
//   run time but still count for component cycles.
// - names: the imported/re-exported names as [{ name, alias, typeOnly }], '*' for namespace or
//   star forms, 'default' for default imports; null for side-effect imports and dynamic imports.
// Package and node: imports are not returned.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const toPosix = (p) => p.split(sep).join('/');

async function loadTs(root) {
  // Resolve typescript from the scanned tree first (a temporary test tree has none), then from
  // this script's own checkout.
  const here = createRequire(import.meta.url);
  const candidates = [join(root, 'package.json'), import.meta.url];
  for (const c of candidates) {
    try {
      const req = c.startsWith('file:') ? here : createRequire(c);
      const pkg = dirname(req.resolve('typescript/package.json'));
      const api = await import(pathToFileURL(join(pkg, 'dist/api/sync/api.js')).href);
      const ast = await import(pathToFileURL(join(pkg, 'dist/ast/index.js')).href);
      return { API: api.API, SyntaxKind: ast.SyntaxKind };
    } catch {
      /* try the next place */
    }
  }
  throw new Error('typescript (>= 7, with its unstable/sync API) not found');
}

/** Resolves a relative specifier from `fromAbs` to a .ts file on disk (absolute), or null. */
export function resolveSpecifier(fromAbs, specifier) {
  const base = resolve(dirname(fromAbs), specifier);
  const tries = [];
  if (/\.(m|c)?js$/.test(base)) tries.push(base.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts').replace(/\.cjs$/, '.cts'));
  tries.push(base, `${base}.ts`, join(base, 'index.ts'));
  for (const t of tries) {
    if (existsSync(t) && statSync(t).isFile() && /\.(m|c)?ts$/.test(t)) return t;
  }
  return null;
}

function lineOf(text, pos) {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Scans every project file under root; returns { files: string[], imports: Import[] }. */
export async function scanImports(root) {
  root = resolve(root);
  const { API, SyntaxKind: K } = await loadTs(root);
  const api = new API({ cwd: root });
  try {
    const snap = api.updateSnapshot({ openProject: join(root, 'tsconfig.json') });
    const project = snap.getProjects()[0];
    if (!project) throw new Error(`no TypeScript project at ${join(root, 'tsconfig.json')}`);
    const program = project.program;
    const abs = program
      .getSourceFileNames()
      .map((f) => resolve(f))
      .filter((f) => !f.includes(`${sep}node_modules${sep}`) && !f.endsWith('.d.ts') && f.startsWith(root + sep));
    const files = abs.map((f) => toPosix(relative(root, f))).sort();
    const imports = [];
    for (const fAbs of abs) {
      const sf = program.getSourceFile(fAbs);
      if (!sf) continue;
      const file = toPosix(relative(root, fAbs));
      const text = sf.text;
      const add = (node, specNode, kind, typeOnly, names) => {
        const specifier = specNode.text;
        if (!specifier.startsWith('.')) return;
        const t = resolveSpecifier(fAbs, specifier);
        // Line of the statement's first token (node.pos includes leading trivia).
        let p = node.pos;
        while (p < text.length && /\s/.test(text[p])) p++;
        while (text.startsWith('//', p) || text.startsWith('/*', p)) {
          p = text.startsWith('//', p) ? text.indexOf('\n', p) : text.indexOf('*/', p) + 2;
          if (p < 0) break;
          while (p < text.length && /\s/.test(text[p])) p++;
        }
        const specLine = lineOf(text, specNode.end);
        imports.push({
          file,
          line: lineOf(text, p),
          specLine,
          specifier,
          target: t ? toPosix(relative(root, t)) : null,
          kind,
          typeOnly,
          names,
        });
      };
      const visit = (node) => {
        switch (node.kind) {
          case K.ImportDeclaration: {
            const clause = node.importClause;
            let names = null;
            let typeOnly = false;
            if (clause) {
              typeOnly = !!clause.isTypeOnly;
              names = [];
              if (clause.name) names.push({ name: 'default', alias: clause.name.text, typeOnly });
              const nb = clause.namedBindings;
              if (nb && nb.kind === K.NamespaceImport) names.push({ name: '*', alias: nb.name.text, typeOnly });
              else if (nb) {
                for (const el of nb.elements) {
                  const name = (el.propertyName ?? el.name).text;
                  names.push({ name, alias: el.name.text, typeOnly: typeOnly || !!el.isTypeOnly });
                }
              }
              if (!typeOnly && names.length && names.every((n) => n.typeOnly)) typeOnly = true;
            }
            add(node, node.moduleSpecifier, 'import', typeOnly, names);
            return;
          }
          case K.ExportDeclaration: {
            if (!node.moduleSpecifier) return;
            let typeOnly = !!node.isTypeOnly;
            let names;
            const ec = node.exportClause;
            if (!ec) names = [{ name: '*', alias: null, typeOnly }];
            else if (ec.kind === K.NamespaceExport) names = [{ name: '*', alias: ec.name.text, typeOnly }];
            else {
              names = ec.elements.map((el) => ({
                name: (el.propertyName ?? el.name).text,
                alias: el.name.text,
                typeOnly: typeOnly || !!el.isTypeOnly,
              }));
              if (!typeOnly && names.length && names.every((n) => n.typeOnly)) typeOnly = true;
            }
            add(node, node.moduleSpecifier, 'export', typeOnly, names);
            return;
          }
          case K.CallExpression:
            if (node.expression.kind === K.ImportKeyword && node.arguments.length >= 1) {
              const a = node.arguments[0];
              if (a.kind === K.StringLiteral || a.kind === K.NoSubstitutionTemplateLiteral) add(node, a, 'dynamic', false, null);
            }
            break;
          case K.ImportType: {
            const arg = node.argument;
            const lit = arg && arg.kind === K.LiteralType ? arg.literal : null;
            if (lit && lit.kind === K.StringLiteral) add(node, lit, 'type-query', true, null);
            break;
          }
        }
        node.forEachChild(visit);
      };
      sf.forEachChild(visit);
    }
    return { files, imports };
  } finally {
    api.close();
  }
}
