import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../src/root.js';

const root = repoRoot();

function programsFile(): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-bootstrap-'));
  const file = join(dir, 'programs');
  writeFileSync(
    file,
    '# test list\n/bin/sh dash\n/usr/bin/opsight-no-such-program opsight-missing-package\n',
  );
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a missing Debian package that cannot be installed: the exact install command, exit 1', () => {
  const f = programsFile();
  const r = spawnSync(join(root, 'scripts/bootstrap'), [], {
    env: { ...process.env, OPSIGHT_DEBIAN_PROGRAMS: f.file, OPSIGHT_SKIP_APT: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /missing: opsight-missing-package/);
  assert.match(
    r.stderr,
    /sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends opsight-missing-package'/,
  );
  assert.doesNotMatch(r.stdout, /npm packages/, 'stops before touching node_modules');
  assert.match(
    r.stdout,
    /^bootstrap: node\s+v\d+\.\d+\.\d+ at \/\S+ \(.+\) \(\d+ ms\)$/m,
    'says which node runs, and why',
  );
  f.done();
});

test('OPSIGHT_NODE older than 22: a clear error before anything is installed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-bootstrap-node-'));
  const fake = join(dir, 'node');
  writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && echo v20.20.2\n');
  chmodSync(fake, 0o755);
  const r = spawnSync(join(root, 'scripts/bootstrap'), [], {
    env: { ...process.env, OPSIGHT_NODE: fake, OPSIGHT_SKIP_APT: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /OPSIGHT_NODE=.*\/node is Node.js v20.20.2; Opsight needs 22 or newer/);
  assert.doesNotMatch(r.stdout, /debian programs|npm packages/);
  rmSync(dir, { recursive: true, force: true });
});

const asNobody = ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
const nobodyCanRun =
  process.getuid?.() === 0 &&
  spawnSync(asNobody[0]!, [...asNobody.slice(1), 'test', '-x', root]).status === 0;

test('not root: the install command is printed instead of run', {
  skip: !nobodyCanRun && 'needs root, and a checkout that the nobody user can enter',
}, () => {
  const f = programsFile();
  const r = spawnSync(asNobody[0]!, [...asNobody.slice(1), join(root, 'scripts/bootstrap')], {
    env: { ...process.env, OPSIGHT_DEBIAN_PROGRAMS: f.file },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /install the missing Debian packages, then run this again:\n\s+sudo sh -c '.*opsight-missing-package'/,
  );
  f.done();
});
