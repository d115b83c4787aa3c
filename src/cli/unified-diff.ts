// A unified diff of two texts by lines (longest common subsequence), as `diff -u` prints it:
// `--- a`, `+++ b`, then hunks `@@ -start,count +start,count @@` with `context` lines around
// each change. Pure; meant for object-sized inputs (the table is lines(a) × lines(b)).

export function unifiedDiff(a: string, b: string, o: { fromLabel: string; toLabel: string; context?: number }): string {
  const x = a === '' ? [] : a.replace(/\n$/, '').split('\n');
  const y = b === '' ? [] : b.replace(/\n$/, '').split('\n');
  const ctx = o.context ?? 3;
  // lcs[i][j]: LCS length of x[i..] and y[j..]
  const lcs: Uint32Array[] = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  type Op = { t: ' ' | '-' | '+'; line: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) ops.push({ t: ' ', line: x[i], ai: i++, bi: j++ });
    // Removals before additions, as diff -u prints a changed line.
    else if (i < x.length && (j === y.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ t: '-', line: x[i], ai: i++, bi: j });
    else ops.push({ t: '+', line: y[j], ai: i, bi: j++ });
  }
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k].t === ' ') k++;
    if (k === ops.length) break;
    const start = Math.max(0, k - ctx);
    let end = k;
    // Extend the hunk while the next change is within 2×context lines.
    for (let m = k; m < ops.length; m++) {
      if (ops[m].t !== ' ') end = m;
      else if (m - end > 2 * ctx) break;
    }
    const stop = Math.min(ops.length, end + ctx + 1);
    const hunk = ops.slice(start, stop);
    const aLen = hunk.filter((h) => h.t !== '+').length;
    const bLen = hunk.filter((h) => h.t !== '-').length;
    const aStart = aLen ? hunk[0].ai + 1 : hunk[0].ai;
    const bStart = bLen ? hunk[0].bi + 1 : hunk[0].bi;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const h of hunk) out.push(h.t + h.line);
    k = stop;
  }
  if (!out.length) return '';
  return [`--- ${o.fromLabel}`, `+++ ${o.toLabel}`, ...out].join('\n') + '\n';
}
