import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSchema } from '../../../src/internal/storage/schema.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';

function indexColumns(store: SpanStore, index: string): string[] {
  const rows = store.db.prepare(`PRAGMA index_info(${index})`).all() as { name: string }[];
  return rows.map((r) => r.name);
}

describe('createSchema', () => {
  it('replaces the index on (service, duration_ns) of an older store by (service, start_ns, duration_ns)', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    store.db.exec(`
      DROP INDEX spans_by_service;
      CREATE INDEX spans_by_service ON spans (service, start_ns);
      CREATE INDEX spans_by_duration ON spans (service, duration_ns);
      PRAGMA user_version = 2;
    `);
    createSchema(store.db);
    assert.deepEqual(indexColumns(store, 'spans_by_service'), ['service', 'start_ns', 'duration_ns']);
    assert.deepEqual(indexColumns(store, 'spans_by_duration'), []);
    assert.equal(store.db.pragma('user_version', { simple: true }), 3);
    store.close();
  });
});
