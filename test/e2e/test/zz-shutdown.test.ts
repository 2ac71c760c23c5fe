import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ComponentStatus, processTree } from '@opsight/supervisor';
import { opsight, varDir } from '../src/env.js';

test('opsight down stops every component, leaves no process behind and releases the lock', () => {
  const { components } = JSON.parse(opsight(['status', '--json']).stdout) as {
    components: ComponentStatus[];
  };
  const roots = components.filter((c) => c.pid !== undefined && c.state !== 'Completed').map((c) => c.pid!);
  assert.ok(roots.length >= 7);
  const members = roots.flatMap((root) => processTree(root)).map((p) => p.pid);
  assert.ok(members.length > roots.length + 4, 'PostgreSQL runs several processes per server');
  const r = opsight(['down']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /opsight: stopped/);
  for (const root of roots) assert.deepEqual(processTree(root), [], `the tree of ${root} left processes`);
  for (const pid of members) assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} survived`);
  assert.equal(existsSync(join(varDir, 'run', 'opsight.lock')), false);
  assert.equal(opsight(['status']).status, 3);
});
