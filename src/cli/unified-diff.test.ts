import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unifiedDiff } from './unified-diff.js';

describe('unifiedDiff', { timeout: 10_000 }, () => {
  it('one changed line: removal then addition, with three lines of context', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n');
    const b = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h'].join('\n');
    assert.equal(unifiedDiff(a, b, { fromLabel: 'x', toLabel: 'y' }), ['--- x', '+++ y', '@@ -2,7 +2,7 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h', ''].join('\n'));
  });

  it('equal texts give nothing; far apart changes give two hunks', () => {
    assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', { fromLabel: 'x', toLabel: 'y' }), '');
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const changed = [...lines];
    changed[2] = 'X';
    changed[25] = 'Y';
    const d = unifiedDiff(lines.join('\n'), changed.join('\n'), { fromLabel: 'x', toLabel: 'y' });
    assert.equal(d.match(/^@@/gm)?.length, 2);
    assert.match(d, /^-l25\n\+Y$/m);
  });

  it('from nothing: every line added', () => {
    assert.equal(unifiedDiff('', 'a\nb', { fromLabel: '/dev/null', toLabel: 'y' }), ['--- /dev/null', '+++ y', '@@ -0,0 +1,2 @@', '+a', '+b', ''].join('\n'));
  });
});
