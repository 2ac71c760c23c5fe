import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCriLog } from '@opsight/supervisor';
import { FakePod, rotationSuffix } from '../src/fake-pod.js';

test('the rotation suffix is the kubelet one', () => {
  assert.equal(rotationSuffix(new Date('2026-01-02T15:04:05Z')), '20260102-150405');
});

test('a fake pod writes CRI lines the supervisor reader parses, and rotates by rename', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-pod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pod = new FakePod(dir, 'p1');
  pod.write('app', 'r', 1_767_225_600_000_000_000n, [0, 1]);
  const rotated = pod.rotate('app');
  pod.write('app', 'r', 1_767_225_600_000_000_000n, [2]);
  const entries = readCriLog(readFileSync(rotated, 'utf8'));
  assert.deepEqual(
    entries.map((e) => [e.stream, e.line]),
    [
      ['stdout', 'chaos r line 0'],
      ['stdout', 'chaos r line 1'],
    ],
  );
  assert.deepEqual(
    readCriLog(readFileSync(pod.logPath('app'), 'utf8')).map((e) => e.line),
    ['chaos r line 2'],
  );
  assert.match(readdirSync(dir)[0]!, /^chaos_p1_[0-9a-f-]{36}$/);
  assert.equal(JSON.parse(readFileSync(join(pod.dir, 'labels.json'), 'utf8')).app, 'p1');
  assert.equal(pod.selector('app'), '{namespace="chaos", pod="p1", container="app"}');
});
