// A minimal reader of CRI container log files, for the streaming server's tests and as a
// default until the agent's own reader is wired in. One entry per line:
//
//   2016-10-06T00:17:09.669794202Z stdout F the log text
//   <RFC3339Nano timestamp>        <stream> <P|F> <content>
//
// `P` marks a partial entry (the text continues in the next entry without a newline), `F`
// a full one. Output is the plain text kubectl prints: contents, newline after F entries,
// each entry prefixed by its timestamp and a space with `timestamps`.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogOptions } from './types.js';

export interface CriLogEntry {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

/** Parses one line (without its newline); undefined if malformed. */
export function parseCriLogLine(line: Buffer): CriLogEntry | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const s3 = line.indexOf(0x20, s2 + 1);
  const tag = line.toString('latin1', s2 + 1, s3 < 0 ? line.length : s3);
  return {
    time: line.toString('latin1', 0, s1),
    stream,
    partial: tag.split(':')[0] === 'P',
    content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1),
  };
}

/** Formats an entry as kubectl shows it. */
export function formatEntry(e: CriLogEntry, timestamps: boolean): Buffer {
  const parts: Buffer[] = [];
  if (timestamps) parts.push(Buffer.from(e.time + ' '));
  parts.push(e.content);
  if (!e.partial) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

const POLL_MS = 200;

/** Splits complete lines off `buf`; returns the lines and the unterminated rest. */
function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  return { lines, rest: buf.subarray(start) };
}

/** Keeps the entries of the last `n` lines (a line = partial entries + one full entry). */
function tail(entries: CriLogEntry[], n: number): CriLogEntry[] {
  if (n <= 0) return [];
  let lines = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    if (!entries[i].partial) {
      lines++;
      if (lines > n) return entries.slice(i + 1);
    }
  }
  return entries;
}

async function* generate(path: string, opts: LogOptions): AsyncGenerator<Buffer> {
  let fh: FileHandle | undefined;
  const since = opts.since?.getTime();
  let budget = opts.limitBytes ?? Infinity;
  const emit = (entries: CriLogEntry[]): Buffer[] => {
    const out: Buffer[] = [];
    for (const e of entries) {
      if (budget <= 0) break;
      if (since !== undefined && Date.parse(e.time) < since) continue;
      let b = formatEntry(e, opts.timestamps);
      if (b.length > budget) b = b.subarray(0, budget);
      budget -= b.length;
      out.push(b);
    }
    return out;
  };
  try {
    for (;;) {
      try {
        fh = await open(path, 'r');
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.follow) return;
        if (opts.signal.aborted || (opts.isRunning && !(await opts.isRunning()))) return;
        await sleep(POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
      }
    }
    let pos = 0;
    let rest: Buffer = Buffer.alloc(0);
    const readMore = async (): Promise<CriLogEntry[]> => {
      const chunks: Buffer[] = [rest];
      for (;;) {
        const b = Buffer.allocUnsafe(64 * 1024);
        const { bytesRead } = await fh!.read(b, 0, b.length, pos);
        if (!bytesRead) break;
        pos += bytesRead;
        chunks.push(b.subarray(0, bytesRead));
      }
      const split = splitLines(Buffer.concat(chunks));
      rest = Buffer.from(split.rest);
      const entries: CriLogEntry[] = [];
      for (const l of split.lines) {
        const e = parseCriLogLine(l);
        if (e) entries.push(e);
      }
      return entries;
    };
    let first = await readMore();
    if (opts.tailLines !== undefined) first = tail(first, opts.tailLines);
    for (const b of emit(first)) yield b;
    if (!opts.follow) return;
    while (budget > 0 && !opts.signal.aborted) {
      const entries = await readMore();
      if (entries.length) {
        for (const b of emit(entries)) yield b;
        continue;
      }
      if (opts.isRunning && !(await opts.isRunning())) {
        for (const b of emit(await readMore())) yield b;
        return;
      }
      await sleep(POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  } finally {
    await fh?.close();
  }
}

/** Streams a CRI log file as plain text; with `follow`, until aborted or the container exits. */
export function readCriLog(path: string, opts: LogOptions): Readable {
  return Readable.from(generate(path, opts), { objectMode: false });
}
