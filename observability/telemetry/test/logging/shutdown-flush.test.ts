import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/sigterm-app.js', import.meta.url));

test('the last lines before SIGTERM are written before the process exits', async () => {
  const lines = 20000;
  const child = spawn(process.execPath, [fixture, String(lines)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  // Most of the burst is still in the destination's buffer now.
  child.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(signal, null, 'the handler exits by itself instead of being killed');
  assert.equal(code, 0);
  const records = stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const burst = records.filter((r) => r.message === 'burst line');
  assert.equal(burst.length, lines);
  assert.equal(burst.at(-1)!.i, lines - 1);
  assert.ok(records.some((r) => r.message === 'last line before SIGTERM'));
  assert.equal(records.at(-1)!.message, 'shutting down');
});
