import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCriLog } from '../../src/cri-log-reader.js';
import { CriLogWriter } from '../../src/internal/cri-log-writer.js';

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] /;

function tempFile(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-cri-'));
  return { path: join(dir, '0.log'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('each line is "<RFC3339Nano> <stream> <F|P> <content>"', () => {
  const f = tempFile();
  const w = new CriLogWriter(f.path);
  w.write('stdout', Buffer.from('hello\nwor'));
  w.write('stdout', Buffer.from('ld\n'));
  w.write('stderr', Buffer.from('oops\n'));
  w.close();
  const lines = readFileSync(f.path, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  for (const l of lines) assert.match(l, LINE);
  assert.deepEqual(
    readCriLog(readFileSync(f.path, 'utf8')).map((e) => [e.stream, e.line]),
    [
      ['stdout', 'hello'],
      ['stdout', 'world'],
      ['stderr', 'oops'],
    ],
  );
  f.done();
});

test('a line longer than the pipe buffer from a real process becomes P chunks then F, and joins back', async () => {
  const f = tempFile();
  const w = new CriLogWriter(f.path, { maxLineBytes: 16384 });
  // 200 KiB with multi-byte characters, far more than one 64 KiB pipe read, then a short line.
  const code = "process.stdout.write('é'.repeat(100*1024) + 'END\\n' + 'short\\n')";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (d: Buffer) => w.write('stdout', d));
  await new Promise((r) => child.on('close', r));
  w.close();
  const raw = readFileSync(f.path);
  const lines = raw.toString('utf8').trimEnd().split('\n');
  const partial = lines.filter((l) => / stdout P /.test(l));
  assert.ok(partial.length >= 12, `expected ≥ 12 partial chunks, got ${partial.length}`);
  for (const l of lines) {
    assert.match(l, LINE);
    const content = Buffer.from(l.replace(LINE, ''), 'utf8');
    assert.ok(content.length <= 16384, `chunk of ${content.length} bytes`);
    assert.ok(!l.includes('\uFFFD'), 'a chunk split a UTF-8 character');
  }
  const entries = readCriLog(raw.toString('utf8'));
  assert.equal(entries.length, 2);
  assert.equal(entries[0]?.line, `${'é'.repeat(100 * 1024)}END`);
  assert.equal(entries[1]?.line, 'short');
  f.done();
});

test('unterminated output is flushed as a final line on close', () => {
  const f = tempFile();
  const w = new CriLogWriter(f.path);
  w.write('stdout', Buffer.from('no newline'));
  w.close();
  assert.match(readFileSync(f.path, 'utf8'), / stdout F no newline\n$/);
  f.done();
});

test('the file rotates past maxFileBytes and keeps maxRotatedFiles', () => {
  const f = tempFile();
  const w = new CriLogWriter(f.path, { maxFileBytes: 1000, maxRotatedFiles: 2 });
  for (let i = 0; i < 100; i++) w.write('stdout', Buffer.from(`${'x'.repeat(50)} ${i}\n`));
  w.close();
  const dir = join(f.path, '..');
  const files = readdirSync(dir).sort();
  assert.ok(files.includes('0.log'));
  assert.ok(files.filter((n) => n.startsWith('0.log.')).length <= 2);
  assert.ok(readFileSync(f.path).length <= 1000);
  assert.match(readFileSync(f.path, 'utf8'), / 99\n$/);
  f.done();
});
