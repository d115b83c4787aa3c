import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDataDirOf } from './config.js';

test('the default data dir is never under /tmp: root /var/lib/k8ts, others XDG, an existing ~/.k8ts kept', () => {
  const home = mkdtempSync(join(tmpdir(), 'k8ts-test-home-'));
  try {
    assert.equal(defaultDataDirOf({}, 0, home), '/var/lib/k8ts');
    assert.equal(defaultDataDirOf({}, 1000, home), join(home, '.local/share/k8ts'));
    assert.equal(defaultDataDirOf({ XDG_DATA_HOME: '/srv/data' }, 1000, home), '/srv/data/k8ts');
    assert.equal(defaultDataDirOf({ XDG_DATA_HOME: 'relative' }, 1000, home), join(home, '.local/share/k8ts'), 'XDG says: relative paths are ignored');
    mkdirSync(join(home, '.k8ts'));
    assert.equal(defaultDataDirOf({ XDG_DATA_HOME: '/srv/data' }, 1000, home), join(home, '.k8ts'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
