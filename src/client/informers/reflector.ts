// List then watch one resource into a sink, forever: re-watch from the last resourceVersion
// when a watch ends, relist on 410 Gone (or any watch error), back off on failures.
import type { KObject, Status } from '../../api/types/index.js';
import type { ApiClient, ResourceRef, WatchStream } from '../types.js';
import { errorMessage, logger } from '../../util/log.js';

const log = logger('reflector');

export interface ReflectorSink<T extends KObject> {
  /** The full state after a (re)list. */
  replace(items: T[], resourceVersion: string, initial: boolean): void;
  added(obj: T): void;
  modified(obj: T): void;
  deleted(obj: T): void;
  /** Latest known resourceVersion (also from bookmarks). */
  progress(resourceVersion: string): void;
}

export interface ReflectorOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Watch timeout; the server ends the stream and the reflector re-watches. */
  watchTimeoutSeconds?: number;
  pageSize?: number;
  /**
   * Applied to every object as it enters the store (list items and watch events), before any
   * handler sees it (client-go's TransformFunc), e.g. stripManagedFields.
   */
  transform?: <O extends KObject>(obj: O) => O;
}

/**
 * Drops metadata.managedFields: what kube-controller-manager's informers do (controllers never
 * read them, and they are a large share of a decoded object). An update sent without them keeps
 * the stored ones, so a controller may PUT what it cached.
 */
export function stripManagedFields<T extends KObject>(obj: T): T {
  if (obj?.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 30_000;

export class Reflector<T extends KObject> {
  private rv = '';
  private watch?: WatchStream;
  private backoff = MIN_BACKOFF_MS;

  constructor(
    private readonly client: ApiClient,
    private readonly res: ResourceRef,
    private readonly sink: ReflectorSink<T>,
    private readonly opts: ReflectorOptions = {},
  ) {}

  get lastResourceVersion(): string {
    return this.rv;
  }

  async run(signal: AbortSignal): Promise<void> {
    let initial = true;
    const onAbort = (): void => this.watch?.stop();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        try {
          await this.list(initial);
          initial = false;
          this.backoff = MIN_BACKOFF_MS;
          // Watch until the server ends the stream; re-watch from where we are; relist on errors.
          while (!signal.aborted) {
            const result = await this.watchOnce();
            if (result === 'relist') break;
            if (result === 'error') {
              await sleep(this.nextBackoff(), signal);
              break;
            }
          }
        } catch (e) {
          if (signal.aborted) break;
          // The first failures of a streak are routine (a restarting API server); logged from 3.2 s of back-off.
          if (this.backoff >= 3200) log.warn(`${this.res.resource}: ${errorMessage(e)}; retrying`);
          await sleep(this.nextBackoff(), signal);
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private nextBackoff(): number {
    const b = this.backoff;
    this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    return b;
  }

  private async list(initial: boolean): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list<T>(this.res, this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize ?? 5000,
        continue: cont,
      });
      const kind = this.res.kind;
      const apiVersion = this.res.group ? `${this.res.group}/${this.res.version}` : this.res.version;
      for (const it of page.items) {
        // List items may omit kind/apiVersion; informers hand out complete objects.
        if (!it.kind) (it as KObject).kind = kind;
        if (!it.apiVersion) (it as KObject).apiVersion = apiVersion;
        items.push(this.opts.transform ? this.opts.transform(it) : it);
      }
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    this.rv = rv;
    this.sink.replace(items, rv, initial);
  }

  /**
   * One watch until it ends. A watch that ends cleanly within a second without a single
   * event (client-go's "very short watch") counts as an error, so a server that closes
   * watches at once costs a back-off, not a tight list/watch loop.
   */
  private watchOnce(): Promise<'ok' | 'relist' | 'error'> {
    const started = Date.now();
    let events = 0;
    return new Promise((resolve) => {
      let outcome: 'ok' | 'relist' | 'error' = 'ok';
      const w = this.client.watch<T>(
        this.res,
        this.opts.namespace,
        {
          resourceVersion: this.rv,
          allowWatchBookmarks: true,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
        },
        (ev) => {
          events++;
          const rv = ev.object?.metadata?.resourceVersion;
          if (this.opts.transform && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) ev.object = this.opts.transform(ev.object);
          switch (ev.type) {
            case 'ADDED':
              this.sink.added(ev.object);
              break;
            case 'MODIFIED':
              this.sink.modified(ev.object);
              break;
            case 'DELETED':
              this.sink.deleted(ev.object);
              break;
            case 'BOOKMARK':
              break;
            case 'ERROR': {
              // An ERROR event carries a meta/v1 Status, not an object of T.
              const code = (ev.object as unknown as Status).code;
              outcome = code === 410 ? 'relist' : 'error';
              w.stop();
              return;
            }
          }
          if (rv) {
            this.rv = rv;
            this.sink.progress(rv);
          }
        },
      );
      this.watch = w;
      void w.done.then(() => {
        if (w.error) return resolve('error');
        if (outcome === 'ok' && events === 0 && Date.now() - started < 1000) return resolve('error');
        resolve(outcome);
      });
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    t.unref();
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
