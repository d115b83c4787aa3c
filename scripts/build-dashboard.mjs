#!/usr/bin/env node
// Bundles the dashboard's browser code (src/dashboard/web/: preact + htm, plain ES modules) with
// esbuild into dist/src/dashboard/assets/: one minified script and one stylesheet with content
// hashes in their names (served as immutable), and index.html pointing at them. Part of
// `npm run build`, so a clean clone (and CI) gets the bundle; prints the sizes (raw, gzip).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src/dashboard/web');
const out = join(root, 'dist/src/dashboard/assets');
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(web, 'app.js'), join(web, 'app.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  outdir: out,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
const js = files.find((f) => f.endsWith('.js'));
const css = files.find((f) => f.endsWith('.css'));
if (!js || !css) throw new Error(`build-dashboard: expected a .js and a .css output, got ${files.join(', ')}`);
const index = readFileSync(join(web, 'index.html'), 'utf8').replace('__JS__', js).replace('__CSS__', css);
writeFileSync(join(out, 'index.html'), index);
let raw = 0;
let gz = 0;
for (const f of ['index.html', js, css]) {
  const b = readFileSync(join(out, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(`dashboard bundle: ${js}, ${css}: first load ${raw} bytes, ${gz} bytes gzip`);
