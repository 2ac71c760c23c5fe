import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStdoutDestination } from '../../src/logging/destination.js';

test('lines the destination cannot write are counted, not thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-dest-'));
  const file = join(dir, 'read-only');
  writeFileSync(file, '');
  const fd = openSync(file, 'r');
  try {
    let failures = 0;
    const destination = createStdoutDestination((n) => {
      failures += n;
    }, fd);
    destination.stream.write('{"message":"lost"}\n');
    await destination.flush(200);
    assert.ok(failures >= 1);
    destination.stream.close();
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
