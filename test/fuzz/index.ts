// Every fuzz target, in the order a run visits them (cheap decoders first, the server last).
import type { FuzzTarget } from './target.js';
import { bodiesTarget } from './targets/bodies.js';
import { patchesTarget } from './targets/patches.js';
import { selectorsTarget } from './targets/selectors.js';
import { queryTarget } from './targets/query.js';
import { dnsWireTarget, dnsDifferentialTarget, dnsServerTarget } from './targets/dns.js';
import { http1Target, stricterThanNode, nodeOnlyRefusals } from './targets/http1.js';
import { spdyTarget } from './targets/spdy.js';
import { websocketTarget } from './targets/websocket.js';
import { endpointTarget, describeEndpoint } from './targets/endpoint.js';

export const TARGETS: readonly FuzzTarget[] = [
  bodiesTarget, patchesTarget, selectorsTarget, queryTarget,
  dnsWireTarget, dnsDifferentialTarget, dnsServerTarget,
  http1Target, spdyTarget, websocketTarget, endpointTarget,
];

/** Lines worth printing after a run besides the counts. */
export function runNotes(): string[] {
  const notes = [`endpoint: ${describeEndpoint()}`];
  if (stricterThanNode.size) notes.push(`http1: refused where node:http accepts: ${[...stricterThanNode.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} (${v})`).join(', ')}`);
  if (nodeOnlyRefusals.size) notes.push(`http1: node:http refused, the proxy accepted (allowed): ${[...nodeOnlyRefusals.entries()].map(([k, v]) => `${k} (${v})`).join(', ')}`);
  return notes;
}

export { runTargets, replay, type TargetResult } from './runner.js';
