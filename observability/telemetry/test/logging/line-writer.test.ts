import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineWriter } from '../../src/logging/line-writer.js';

function tempFile(): { file: string; fd: number; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-lines-'));
  const file = join(dir, 'out.log');
  const fd = openSync(file, 'w');
  return {
    file,
    fd,
    done: () => {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('lines go out whole and in order, across many batches, and flush waits for them', async () => {
  const out = tempFile();
  try {
    const writer = new LineWriter({ fd: out.fd, batchChars: 1000 });
    const lines = 20_000;
    for (let i = 0; i < lines; i++) writer.write(`{"i":${i},"text":"${'é'.repeat(i % 7)}"}\n`);
    await new Promise<void>((resolve) => writer.flush(() => resolve()));
    const written = readFileSync(out.file, 'utf8').trimEnd().split('\n');
    assert.equal(written.length, lines);
    for (const [i, line] of written.entries()) assert.equal((JSON.parse(line) as { i: number }).i, i);
    writer.close();
  } finally {
    out.done();
  }
});

test('lines beyond the buffer bound are dropped and counted, not held', async () => {
  const out = tempFile();
  try {
    let failed = 0;
    const writer = new LineWriter({
      fd: out.fd,
      batchChars: 1_000_000,
      maxBufferedChars: 100,
      onFailure: (n) => {
        failed += n;
      },
    });
    for (let i = 0; i < 10; i++) writer.write(`${'x'.repeat(29)}\n`); // 30 characters each: 3 fit
    assert.equal(failed, 7);
    await new Promise<void>((resolve) => writer.flush(() => resolve()));
    assert.equal(readFileSync(out.file, 'utf8').split('\n').length - 1, 3);
    writer.close();
  } finally {
    out.done();
  }
});

test('a descriptor that cannot be written counts every line as failed and never throws', async () => {
  const out = tempFile();
  const readOnly = openSync(out.file, 'r');
  try {
    let failed = 0;
    const writer = new LineWriter({
      fd: readOnly,
      batchChars: 1,
      onFailure: (n) => {
        failed += n;
      },
    });
    writer.write('a\n');
    writer.write('b\n');
    await new Promise<void>((resolve) => writer.flush(() => resolve()));
    writer.write('c\n');
    writer.flushSync();
    assert.equal(failed, 3);
    writer.close();
  } finally {
    closeSync(readOnly);
    out.done();
  }
});

test('lines still buffered when the process exits are written', () => {
  const fixture = fileURLToPath(new URL('../fixtures/exit-app.js', import.meta.url));
  const child = spawnSync(process.execPath, [fixture, '5000'], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5000);
  assert.equal(lines.at(-1), 'line 4999');
});
