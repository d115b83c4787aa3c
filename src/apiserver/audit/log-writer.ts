// The audit log's file: JSON lines appended in batches off the request path, rotated by size
// like kube-apiserver's (lumberjack): when a batch would take the file past maxSize it is
// renamed to <name>-<UTC time><ext> and a new one started; rotated files past maxBackups or
// older than maxAge days are removed. `-` writes to standard output (never rotated).
//
// Contract: write() only queues (no I/O, no await); one flush runs at a time, at the latest
// FLUSH_MS after the first queued line or at once past FLUSH_BYTES. A queue past MAX_PENDING
// lines means the disk cannot keep up: new lines are dropped and counted, never buffered
// without bound.
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { logger } from '../../util/log.js';

const log = logger('apiserver/audit');

const FLUSH_MS = 100;
const FLUSH_BYTES = 1024 * 1024;
const MAX_PENDING = 100_000;
/** lumberjack's default when no size is set. */
const DEFAULT_MAX_SIZE_MB = 100;

export interface LogWriterOptions {
  path: string;
  maxSizeMB?: number;
  maxBackups?: number;
  maxAgeDays?: number;
}

export class AuditLogWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private file: FileHandle | undefined;
  private size = 0;
  private closed = false;
  private readonly maxBytes: number;

  constructor(private readonly o: LogWriterOptions) {
    this.maxBytes = (o.maxSizeMB && o.maxSizeMB > 0 ? o.maxSizeMB : DEFAULT_MAX_SIZE_MB) * 1024 * 1024;
  }

  /** Opens (or creates, mode 0600) the log; fails with the reason when it cannot be written. */
  async open(): Promise<void> {
    if (this.o.path === '-') return;
    this.file = await open(this.o.path, 'a', 0o600);
    this.size = (await this.file.stat()).size;
  }

  /** Queues one line (without its newline). */
  write(line: string): void {
    if (this.closed) return;
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.schedule(0);
    else if (!this.timer) this.schedule(FLUSH_MS);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Writes everything queued so far; resolves when it is written. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeBatch()).catch((e) => log.error(`writing the audit log ${this.o.path}: ${(e as Error).message}`));
    return this.chain;
  }

  private async writeBatch(): Promise<void> {
    if (this.dropped) {
      log.warn(`the audit log cannot keep up: ${this.dropped} events dropped`);
      this.dropped = 0;
    }
    if (!this.pending.length) return;
    const buf = Buffer.from(this.pending.join('\n') + '\n');
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.file) {
      await new Promise<void>((resolve) => (process.stdout.write(buf) ? resolve() : process.stdout.once('drain', resolve)));
      return;
    }
    if (this.size > 0 && this.size + buf.length > this.maxBytes) await this.rotate();
    await this.file.write(buf);
    this.size += buf.length;
  }

  private async rotate(): Promise<void> {
    await this.file!.close();
    await rename(this.o.path, backupName(this.o.path, new Date()));
    this.file = await open(this.o.path, 'a', 0o600);
    this.size = 0;
    await pruneBackups(this.o.path, this.o.maxBackups ?? 0, this.o.maxAgeDays ?? 0, new Date());
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    await this.file?.close();
    this.file = undefined;
  }
}

/** lumberjack's backup name: audit.log → audit-2006-01-02T15-04-05.000.log (UTC). */
export function backupName(path: string, t: Date): string {
  const ext = extname(path);
  const base = basename(path, ext);
  const stamp = t.toISOString().replace(/:/g, '-').replace(/Z$/, '');
  return join(dirname(path), `${base}-${stamp}${ext}`);
}

/** Removes rotated files past the newest `maxBackups` (0: keep all) or older than `maxAgeDays` (0: any age). */
export async function pruneBackups(path: string, maxBackups: number, maxAgeDays: number, now: Date): Promise<void> {
  if (maxBackups <= 0 && maxAgeDays <= 0) return;
  const ext = extname(path);
  const prefix = `${basename(path, ext)}-`;
  const dir = dirname(path);
  const backups: { file: string; time: number }[] = [];
  for (const f of await readdir(dir)) {
    if (!f.startsWith(prefix) || !f.endsWith(ext)) continue;
    const stamp = f.slice(prefix.length, f.length - ext.length);
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})$/.exec(stamp);
    if (!m) continue;
    backups.push({ file: join(dir, f), time: Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) });
  }
  backups.sort((a, b) => b.time - a.time);
  const cutoff = maxAgeDays > 0 ? now.getTime() - maxAgeDays * 86_400_000 : -Infinity;
  for (let i = 0; i < backups.length; i++) {
    if ((maxBackups > 0 && i >= maxBackups) || backups[i].time < cutoff) await rm(backups[i].file, { force: true });
  }
}

