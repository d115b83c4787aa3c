// Container logs as the runtime (conmon's k8s-file driver) writes them, in the CRI format:
//
//   2026-11-25T22:33:25.858449220+00:00 stdout F started
//   <RFC3339Nano timestamp>             <stream> <tag: F full | P partial> <message>
//
// one file per container attempt at <dataDir>/pods/<ns>_<name>_<uid>/<container>/<attempt>.log.
// readContainerLog turns such a file into what `kubectl logs` prints: messages (partial
// lines joined), optionally prefixed with their timestamp, filtered by tailLines,
// sinceSeconds/sinceTime and limitBytes, and followed while the container runs.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface PodRef {
  namespace?: string;
  name?: string;
  uid?: string;
}

export function podLogDir(dataDir: string, pod: PodRef): string {
  return join(dataDir, 'pods', `${pod.namespace ?? 'default'}_${pod.name ?? ''}_${pod.uid ?? ''}`);
}

/** `<dataDir>/pods/<ns>_<name>_<uid>/<container>/<restartCount>.log`. */
export function containerLogPath(dataDir: string, pod: PodRef, container: string, restartCount: number): string {
  return join(podLogDir(dataDir, pod), container, `${restartCount}.log`);
}

/**
 * The log file of the container's latest attempt, or with `previous` the one before it
 * (what `kubectl logs --previous` shows). Undefined when there is none.
 */
export async function findContainerLog(dataDir: string, pod: PodRef, container: string, previous = false): Promise<string | undefined> {
  const dir = join(podLogDir(dataDir, pod), container);
  const attempts = (await fs.readdir(dir).catch(() => [] as string[]))
    .map((f) => /^(\d+)\.log$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  const n = attempts[previous ? 1 : 0];
  return n === undefined ? undefined : join(dir, `${n}.log`);
}

export interface CriLogLine {
  /** RFC3339Nano as written. */
  timestamp: string;
  /** Epoch ms (sub-ms precision dropped). */
  time: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  message: string;
}

/** Parses one CRI log line (without its newline); undefined when malformed. */
export function parseCriLine(line: string): CriLogLine | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return undefined;
  const timestamp = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const message = c < 0 ? '' : line.slice(c + 1);
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return undefined;
  return { timestamp, time, stream, partial: tag.split(':')[0] === 'P', message };
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines only (negative or undefined: all). */
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339; sinceSeconds wins when both are set. */
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
  /** Follow ends once this says the container stopped and the file is drained. */
  isRunning?: () => Promise<boolean>;
  /** Time source for sinceSeconds. */
  now?: () => number;
  /** Follow poll interval (default 250 ms). */
  pollMs?: number;
}

/** Joins partial lines: each output entry is a whole message with its first fragment's timestamp. */
export class CriLogDecoder {
  private carry = '';
  private partial?: CriLogLine;

  /** Feeds raw bytes (as text); returns the complete messages. */
  push(chunk: string): CriLogLine[] {
    const text = this.carry + chunk;
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    const out: CriLogLine[] = [];
    for (const l of lines) {
      const p = parseCriLine(l);
      if (!p) continue;
      if (this.partial) {
        this.partial.message += p.message;
        if (!p.partial) {
          out.push({ ...this.partial, partial: false });
          this.partial = undefined;
        }
        continue;
      }
      if (p.partial) this.partial = p;
      else out.push(p);
    }
    return out;
  }
}

function format(l: CriLogLine, timestamps: boolean): string {
  return `${timestamps ? l.timestamp + ' ' : ''}${l.message}\n`;
}

export function readContainerLog(path: string, opts: LogOptions = {}): Readable {
  const now = opts.now ?? Date.now;
  const since = opts.sinceSeconds !== undefined ? now() - opts.sinceSeconds * 1000 : opts.sinceTime ? Date.parse(opts.sinceTime) : undefined;
  let remaining = opts.limitBytes !== undefined && opts.limitBytes > 0 ? opts.limitBytes : Infinity;
  let stopped = false;
  const out = new Readable({
    read() {},
    destroy(err, cb) {
      stopped = true;
      cb(err);
    },
  });
  const emit = (lines: CriLogLine[]): boolean => {
    for (const l of lines) {
      if (since !== undefined && l.time < since) continue;
      let s = format(l, opts.timestamps === true);
      if (Buffer.byteLength(s) > remaining) s = Buffer.from(s).subarray(0, remaining).toString('utf8');
      remaining -= Buffer.byteLength(s);
      out.push(s);
      if (remaining <= 0) return false;
    }
    return true;
  };

  void (async () => {
    const decoder = new CriLogDecoder();
    let offset = 0;
    try {
      const first = await fs.readFile(path);
      offset = first.length;
      let lines = decoder.push(first.toString('utf8'));
      if (opts.tailLines !== undefined && opts.tailLines >= 0) lines = lines.slice(Math.max(0, lines.length - opts.tailLines));
      if (!emit(lines) || !opts.follow) {
        out.push(null);
        return;
      }
      const poll = opts.pollMs ?? 250;
      while (!stopped) {
        const running = opts.isRunning ? await opts.isRunning() : true;
        const st = await fs.stat(path).catch(() => undefined);
        if (st && st.size < offset) offset = 0; // truncated or replaced
        if (st && st.size > offset) {
          const fh = await fs.open(path, 'r');
          try {
            const buf = Buffer.alloc(st.size - offset);
            const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
            offset += bytesRead;
            if (!emit(decoder.push(buf.subarray(0, bytesRead).toString('utf8')))) break;
          } finally {
            await fh.close();
          }
          continue;
        }
        if (!running) break;
        await new Promise<void>((r) => setTimeout(r, poll));
      }
      out.push(null);
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
