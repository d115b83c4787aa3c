// The only place the proxy runs nft: apply a script (`nft -f -`, one atomic transaction) and read
// back the live session-affinity entries before a full rebuild. With `netns` (a name under
// /run/netns) nft runs in that network namespace (nsenter), which tests and benchmarks use to
// stay out of the host's rules.
import { spawn } from 'node:child_process';
import type { AffinityEntries } from './rules.js';
import { isIPv4 } from '../util/net.js';

function nftCommand(args: readonly string[], netns?: string): [string, string[]] {
  if (netns === undefined) return ['nft', [...args]];
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(netns) || netns.startsWith('.')) throw new Error(`invalid network namespace name ${JSON.stringify(netns)}`);
  return ['nsenter', [`--net=/run/netns/${netns}`, '--', 'nft', ...args]];
}

/** Runs nft with `input` on stdin; resolves with its stdout, rejects with its stderr. */
export function runNft(args: readonly string[], input?: string, netns?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = nftCommand(args, netns);
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new Error(`nft ${args.join(' ')}: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`nft ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().trim().slice(0, 2000)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Applies an nft script in one transaction (all or nothing). */
export async function applyNft(rules: string, netns?: string): Promise<void> {
  await runNft(['-f', '-'], rules, netns);
}

/** Live entries of the table's affinity sets; empty when the table does not exist. */
export async function readAffinityEntries(table: string, netns?: string): Promise<AffinityEntries> {
  let json: string;
  try {
    json = await runNft(['-j', 'list', 'sets', 'table', 'ip', table], undefined, netns);
  } catch (e) {
    if (/No such file or directory/.test((e as Error).message)) return new Map();
    throw e;
  }
  return parseAffinityListing(json, table);
}

/**
 * Parses `nft -j list sets` output: for each `affinity-*` set of `table`, its client IPs and the
 * seconds left before each expires. Anything unexpected is skipped, never trusted.
 */
export function parseAffinityListing(json: string, table: string): AffinityEntries {
  const out = new Map<string, Array<{ ip: string; expiresSeconds: number }>>();
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return out;
  }
  const items = (doc as { nftables?: unknown })?.nftables;
  if (!Array.isArray(items)) return out;
  for (const item of items) {
    const set = (item as { set?: { family?: string; table?: string; name?: string; elem?: unknown } })?.set;
    if (!set || set.family !== 'ip' || set.table !== table || typeof set.name !== 'string' || !set.name.startsWith('affinity-')) continue;
    if (!Array.isArray(set.elem)) continue;
    const entries: Array<{ ip: string; expiresSeconds: number }> = [];
    for (const el of set.elem) {
      // An element is either a bare value or {elem: {val, expires, timeout}}.
      const e = (el as { elem?: { val?: unknown; expires?: unknown } })?.elem;
      const ip = e ? e.val : el;
      const expires = e ? e.expires : undefined;
      if (typeof ip === 'string' && isIPv4(ip) && typeof expires === 'number' && expires > 0) entries.push({ ip, expiresSeconds: expires });
    }
    if (entries.length) out.set(set.name, entries);
  }
  return out;
}
