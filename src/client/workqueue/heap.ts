// A binary min-heap ordered by a numeric priority (smallest first). Used by the delaying
// queue to find the next item that becomes ready.
export interface HeapEntry<T> {
  readonly at: number;
  readonly value: T;
  /** Insertion sequence: equal priorities come out in insertion order. */
  readonly seq: number;
}

export class MinHeap<T> {
  private readonly a: HeapEntry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.a.length;
  }

  peek(): HeapEntry<T> | undefined {
    return this.a[0];
  }

  push(at: number, value: T): void {
    const a = this.a;
    a.push({ at, value, seq: this.seq++ });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): HeapEntry<T> | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.a.length = 0;
  }
}

function less<T>(x: HeapEntry<T>, y: HeapEntry<T>): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}
