import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogTailer } from '../../src/tail/log-tailer.js';
import { tempDir } from '../support/access-log-fixture.js';

/** A tailer that only reads when the test calls poll(). */
function tailer(dir: string, options: { maxLineBytes?: number; drainMs?: number } = {}) {
  const lines: string[] = [];
  const skipped: string[] = [];
  const reopens: string[] = [];
  const lags: number[] = [];
  const t = new LogTailer({
    path: join(dir, 'access.log'),
    positionsFile: join(dir, 'positions.json'),
    pollMs: 3_600_000,
    saveEveryMs: 0,
    maxLineBytes: options.maxLineBytes,
    drainMs: options.drainMs,
    onLine: (l) => lines.push(l),
    onSkipped: (r) => skipped.push(r),
    onReopen: (r) => reopens.push(r),
    onLag: (b) => lags.push(b),
    onError: (e) => {
      throw e;
    },
  });
  return { t, lines, skipped, reopens, lags };
}

test('follows appended lines and waits for an unfinished one', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, 'a\nb\n');
  const { t: tail, lines } = tailer(dir);
  await tail.start();
  t.after(() => tail.stop());
  assert.deepEqual(lines, ['a', 'b']);
  appendFileSync(log, 'c\nd-part');
  await tail.poll();
  assert.deepEqual(lines, ['a', 'b', 'c']);
  appendFileSync(log, 'ial\n');
  await tail.poll();
  assert.deepEqual(lines, ['a', 'b', 'c', 'd-partial']);
});

test('a file that does not exist yet is picked up when it appears', async (t) => {
  const dir = tempDir(t);
  const { t: tail, lines } = tailer(dir);
  await tail.start();
  t.after(() => tail.stop());
  await tail.poll();
  writeFileSync(join(dir, 'access.log'), 'first\n');
  await tail.poll();
  assert.deepEqual(lines, ['first']);
});

test('rotation: the old file is read to its end, then the new one from its start', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, '1\n');
  const { t: tail, lines, reopens } = tailer(dir);
  await tail.start();
  t.after(() => tail.stop());
  renameSync(log, `${log}.1`);
  // nginx keeps writing to the renamed file until it reopens its logs.
  appendFileSync(`${log}.1`, '2\n');
  await tail.poll(); // no file at the path yet: the old one is still drained
  assert.deepEqual(lines, ['1', '2']);
  writeFileSync(log, '4\n');
  await tail.poll();
  assert.deepEqual(lines, ['1', '2', '4']);
  assert.deepEqual(reopens, ['rotated']);
  // A worker that has not reopened yet still writes to the old file: read within the drain window.
  appendFileSync(`${log}.1`, '3\n');
  appendFileSync(log, '5\n');
  await tail.poll();
  assert.deepEqual(lines, ['1', '2', '4', '3', '5']);
});

test('rotation: a line cut at the end of the old file is counted once its drain window is over', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, '1\n');
  const { t: tail, lines, skipped } = tailer(dir, { drainMs: 0 });
  await tail.start();
  t.after(() => tail.stop());
  renameSync(log, `${log}.1`);
  appendFileSync(`${log}.1`, '2-cut');
  writeFileSync(log, 'new\n');
  await tail.poll();
  await tail.poll();
  assert.deepEqual(lines, ['1', 'new']);
  assert.deepEqual(skipped, ['truncated']);
});

test('truncation: reading starts again from the beginning', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, 'one\ntwo\n');
  const { t: tail, lines, reopens } = tailer(dir);
  await tail.start();
  t.after(() => tail.stop());
  truncateSync(log, 0);
  appendFileSync(log, 'x\n');
  await tail.poll();
  assert.deepEqual(lines, ['one', 'two', 'x']);
  assert.deepEqual(reopens, ['truncated']);
});

test('a restart resumes after the last complete line of the same file', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, 'a\nb\nhalf');
  const first = tailer(dir);
  await first.t.start();
  await first.t.stop();
  assert.deepEqual(first.lines, ['a', 'b']);
  const saved = JSON.parse(readFileSync(join(dir, 'positions.json'), 'utf8')) as { offset: number };
  assert.equal(saved.offset, 4, 'the unfinished line is not past the saved position');
  appendFileSync(log, '-done\nc\n');
  const second = tailer(dir);
  await second.t.start();
  t.after(() => second.t.stop());
  assert.deepEqual(second.lines, ['half-done', 'c']);
});

test('a restart after the file was replaced reads the new file from its start', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, 'old-1\nold-2\n');
  const first = tailer(dir);
  await first.t.start();
  await first.t.stop();
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'new\n');
  const second = tailer(dir);
  await second.t.start();
  t.after(() => second.t.stop());
  assert.deepEqual(second.lines, ['new']);
});

test('a restart after truncation below the saved offset reads from the start', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, 'aaaa\nbbbb\n');
  const first = tailer(dir);
  await first.t.start();
  await first.t.stop();
  writeFileSync(log, 'c\n');
  const second = tailer(dir);
  await second.t.start();
  t.after(() => second.t.stop());
  assert.deepEqual(second.lines, ['c']);
});

test('an unreadable positions file is ignored', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'access.log'), 'a\n');
  writeFileSync(join(dir, 'positions.json'), '{"path": 1');
  const { t: tail, lines } = tailer(dir);
  await tail.start();
  t.after(() => tail.stop());
  assert.deepEqual(lines, ['a']);
});

test('a line over the limit is skipped and counted, the next one is read', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, `ok\n${'x'.repeat(100)}`);
  const { t: tail, lines, skipped, lags } = tailer(dir, { maxLineBytes: 32 });
  await tail.start();
  t.after(() => tail.stop());
  appendFileSync(log, `${'y'.repeat(100)}\nnext\n`);
  await tail.poll();
  assert.deepEqual(lines, ['ok', 'next']);
  assert.deepEqual(skipped, ['too_long']);
  assert.equal(lags.at(-1), 0);
});

test('options passed as undefined keep their defaults (poll every 200 ms, 64 KiB lines)', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, `${'x'.repeat(70_000)}\nok\n`);
  let polls = 0;
  const lines: string[] = [];
  const skipped: string[] = [];
  const tail = new LogTailer({
    path: log,
    positionsFile: join(dir, 'positions.json'),
    pollMs: undefined,
    maxLineBytes: undefined,
    saveEveryMs: undefined,
    drainMs: undefined,
    onLine: (l) => lines.push(l),
    onSkipped: (r) => skipped.push(r),
    onLag: () => polls++,
  });
  await tail.start();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await tail.stop();
  assert.deepEqual(lines, ['ok']);
  assert.deepEqual(skipped, ['too_long']);
  // One poll at start, one every 200 ms, one at stop: at most 7 however fast the machine; a 0 ms
  // interval would have made hundreds. (A slow machine polls less often, never more.)
  assert.ok(polls >= 2 && polls <= 10, `${polls} polls in one second`);
});
