// LogStorage opened read-only beside its writer: it never writes, and its stream catalog follows the
// writer's through refreshStreams.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';

const NS = 1_000_000_000n;
const dir = mkdtempSync(join(tmpdir(), 'opsight-readonly-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a read-only storage refuses writes, and refreshStreams brings new streams and bounds', () => {
  const dataDir = join(dir, 'a');
  mkdirSync(dataDir);
  assert.throws(() => new LogStorage({ dataDir, readOnly: true }), { code: 'SQLITE_CANTOPEN' });
  const writer = new LogStorage({ dataDir });
  const t0 = 1_700_000_000n * NS;
  writer.append('fake', [{ labels: { app: 'a' }, entries: [{ ts: t0, line: 'one' }] }]);
  const reader = new LogStorage({ dataDir, readOnly: true });
  try {
    assert.deepEqual(
      reader.streams('fake').map((s) => [s.key, s.minTs, s.maxTs]),
      [['{app="a"}', t0, t0]],
    );
    assert.throws(
      () => reader.append('fake', [{ labels: { app: 'a' }, entries: [{ ts: t0 + 1n, line: 'two' }] }]),
      { code: 'SQLITE_READONLY' },
    );
    writer.append('fake', [
      { labels: { app: 'a' }, entries: [{ ts: t0 + 5n, line: 'two' }] },
      { labels: { app: 'b' }, entries: [{ ts: t0 + 7n, line: 'three' }] },
    ]);
    writer.append('other', [{ labels: { app: 'c' }, entries: [{ ts: t0 + 9n, line: 'four' }] }]);
    assert.equal(reader.streams('fake').length, 1, 'the catalog changes only when refreshed');
    reader.refreshStreams(writer.streamBounds('fake'));
    assert.deepEqual(
      reader.streams('fake').map((s) => [s.key, s.minTs, s.maxTs]),
      [
        ['{app="a"}', t0, t0 + 5n],
        ['{app="b"}', t0 + 7n, t0 + 7n],
      ],
    );
    assert.deepEqual(
      reader.streams('other').map((s) => [s.key, s.minTs, s.maxTs]),
      [['{app="c"}', t0 + 9n, t0 + 9n]],
      'a new stream of another tenant comes with the bounds read from the database',
    );
    // Retention raises a stream's oldest bound: the writer's bounds carry it.
    writer.deleteOlderThan(t0 + 1n);
    reader.refreshStreams(writer.streamBounds());
    assert.equal(reader.findStream('fake', { app: 'a' })!.minTs, t0 + 5n);
  } finally {
    reader.close();
    writer.close();
  }
});
