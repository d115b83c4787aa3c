// Upstream's helper.DefaultNormalizeScore: scale to 0..max by the highest score (integer
// arithmetic as upstream), optionally reversed. All zero: 0 (or max when reversed).
export function defaultNormalizeScore(max: number, reverse: boolean, scores: Float64Array, n: number): void {
  let top = 0;
  for (let i = 0; i < n; i++) if (scores[i] > top) top = scores[i];
  if (top === 0) {
    if (reverse) for (let i = 0; i < n; i++) scores[i] = max;
    return;
  }
  for (let i = 0; i < n; i++) {
    let s = Math.trunc((max * scores[i]) / top);
    if (reverse) s = max - s;
    scores[i] = s;
  }
}
