// A query over a read-only connection reads one snapshot: a seal or a retention pass committed by the
// writer while it runs changes nothing in its answer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { SnapshotQueries } from '../../../src/internal/query-pool/snapshot-queries.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';

const NS = 1_000_000_000n;
const ENTRIES = 3000;

describe('a query reads one snapshot of the database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-snapshot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = BigInt(Date.now()) * 1_000_000n - 3600n * NS;

  /**
   * Runs a forward log query of every entry, calling `during` once the query has read its first entry
   * (its later pages are read after the writer's change).
   */
  async function readAllWhile(dataDir: string, writer: LogStorage, during: () => void): Promise<string[]> {
    const reader = new SnapshotQueries({ dataDir });
    const scanStream = reader.storage.scanStream.bind(reader.storage);
    let changed = false;
    reader.storage.scanStream = function* (...args) {
      for (const e of scanStream(...args)) {
        yield e;
        if (!changed) {
          changed = true;
          during();
        }
      }
    };
    try {
      const out = await reader.run(
        'fake',
        {
          query: '{app="a"}',
          start: base,
          end: base + BigInt(ENTRIES) * 1_000_000n,
          step: NS,
          limit: ENTRIES,
          direction: 'forward',
          instant: false,
        },
        DEFAULT_LIMITS,
        writer.streamBounds('fake'),
      );
      assert.ok(changed);
      assert.equal(out.data.resultType, 'streams');
      if (out.data.resultType !== 'streams') return [];
      return out.data.result.flatMap((s) => s.values.map((v) => v[1]));
    } finally {
      reader.close();
    }
  }

  function filled(name: string): { dataDir: string; writer: LogStorage } {
    const dataDir = join(dir, name);
    const writer = new LogStorage({ dataDir });
    writer.append('fake', [
      {
        labels: { app: 'a' },
        entries: Array.from({ length: ENTRIES }, (_, i) => ({
          ts: base + BigInt(i) * 1_000_000n,
          line: `entry ${i}`,
        })),
      },
    ]);
    return { dataDir, writer };
  }
  const all = Array.from({ length: ENTRIES }, (_, i) => `entry ${i}`);

  test('a seal committed during the query: every entry once, in order', async () => {
    const { dataDir, writer } = filled('seal');
    try {
      let sealed = 0;
      const lines = await readAllWhile(dataDir, writer, () => {
        sealed = writer.seal(0n, 1);
      });
      assert.equal(sealed, ENTRIES - 1, 'the seal moved every entry but the newest into chunks');
      assert.deepEqual(lines, all);
    } finally {
      writer.close();
    }
  });

  test('a retention pass committed during the query: the answer is the one from before it', async () => {
    const { dataDir, writer } = filled('retention');
    try {
      let deleted = 0;
      const lines = await readAllWhile(dataDir, writer, () => {
        deleted = writer.deleteOlderThan(base + BigInt(ENTRIES / 2) * 1_000_000n);
      });
      assert.equal(deleted, ENTRIES / 2);
      assert.deepEqual(lines, all);
    } finally {
      writer.close();
    }
  });
});
