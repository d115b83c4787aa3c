// Text for a terminal and JSON for tools. The first line is the answer and is never cut; the
// evidence lines below are wrapped to the width and long runs of them are cut.
import { headline } from './diagnose.js';
import type { Diagnosis } from './types.js';

/** At most this many evidence lines (after wrapping) are printed. */
const MAX_EVIDENCE_LINES = 30;

export function renderText(d: Diagnosis, width = 100): string {
  const out = [headline(d)];
  if (d.chain.length > 1) out.push(...wrap(`chain: ${d.chain.join(' → ')}`, width, '  '));
  const ev: string[] = [];
  for (const e of d.evidence) ev.push(...wrap(e.startsWith('| ') || e.startsWith('  ') ? e : `- ${e}`, width, '  '));
  if (ev.length > MAX_EVIDENCE_LINES) {
    const cut = ev.length - MAX_EVIDENCE_LINES;
    ev.length = MAX_EVIDENCE_LINES;
    ev.push(`  … ${cut} more lines (-o json shows all)`);
  }
  out.push(...ev);
  return out.join('\n') + '\n';
}

/** {healthy, cause, chain, evidence}: `cause` is the first line (healthy answers say so too). */
export function renderJson(d: Diagnosis): string {
  return JSON.stringify({ healthy: d.healthy, subject: d.subject, link: d.link ?? null, cause: headline(d), chain: d.chain, evidence: d.evidence }, null, 2) + '\n';
}

/**
 * Wraps `line` at word boundaries to `width` columns; continuation lines (and the first) are
 * indented by `indent`. A word longer than the width is cut with "…" so nothing overflows.
 */
export function wrap(line: string, width: number, indent: string): string[] {
  const w = Math.max(20, width) - indent.length;
  const clean = line.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
  const out: string[] = [];
  let cur = '';
  for (let word of clean.split(' ')) {
    if (word.length > w - 3) word = word.slice(0, w - 4) + '…';
    if (cur && cur.length + 1 + word.length > w) {
      out.push(indent + cur);
      cur = '  ' + word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur || !out.length) out.push(indent + cur);
  return out;
}
