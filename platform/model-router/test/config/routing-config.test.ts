import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  loadRoutingConfig,
  parseRoutingConfig,
  RoutingConfigError,
} from '../../src/config/routing-config.js';

const valid = () => ({
  backends: { a: { url: 'http://127.0.0.1:8090/' }, b: { url: 'http://127.0.0.1:8091' } },
  models: {
    chat: { backends: [{ backend: 'a', weight: 3 }, { backend: 'b' }], fallbacks: ['small'] },
    small: { backends: [{ backend: 'b', upstreamModel: 'small-v2' }] },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'routing-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a valid table gets its defaults', () => {
  const c = parseRoutingConfig(valid());
  assert.equal(c.backends.get('a')?.url, 'http://127.0.0.1:8090');
  assert.deepEqual(c.models.get('chat')?.backends[1], { backend: 'b', weight: 1 });
  assert.equal(c.models.get('small')?.backends[0]?.upstreamModel, 'small-v2');
  assert.equal(c.retry.maxAttempts, 3);
  assert.equal(c.circuitBreaker.failureThreshold, 5);
  assert.equal(c.deadlineMs, 60_000);
});

test('errors name the bad field', () => {
  const cases: [(c: ReturnType<typeof valid>) => unknown, string][] = [
    [() => [], '(root)'],
    [(c) => ({ ...c, extra: 1 }), 'extra'],
    [(c) => ({ ...c, backends: {} }), 'backends'],
    [(c) => ({ ...c, backends: { ...c.backends, x: { url: 'ftp://h' } } }), 'backends.x.url'],
    [(c) => ({ ...c, backends: { ...c.backends, x: { url: 'not a url' } } }), 'backends.x.url'],
    [(c) => ({ ...c, models: { chat: { backends: [] } } }), 'models.chat.backends'],
    [
      (c) => ({ ...c, models: { chat: { backends: [{ backend: 'zz' }] } } }),
      'models.chat.backends[0].backend',
    ],
    [
      (c) => ({ ...c, models: { chat: { backends: [{ backend: 'a', weight: -1 }] } } }),
      'models.chat.backends[0].weight',
    ],
    [
      (c) => ({ ...c, models: { chat: { backends: [{ backend: 'a' }], fallbacks: ['gone'] } } }),
      'models.chat.fallbacks[0]',
    ],
    [(c) => ({ ...c, retry: { maxAttempts: 0 } }), 'retry.maxAttempts'],
    [(c) => ({ ...c, healthCheck: { intervalMs: 'fast' } }), 'healthCheck.intervalMs'],
    [(c) => ({ ...c, circuitBreaker: { openMs: 1.5 } }), 'circuitBreaker.openMs'],
    [(c) => ({ ...c, deadlineMs: 0 }), 'deadlineMs'],
  ];
  for (const [mutate, field] of cases) {
    assert.throws(
      () => parseRoutingConfig(mutate(valid())),
      (e: unknown) => e instanceof RoutingConfigError && e.field === field,
      field,
    );
  }
});

test('loads JSON and YAML files; a malformed file is a clear error', () => {
  const json = join(dir, 'r.json');
  writeFileSync(json, JSON.stringify(valid()));
  assert.equal(loadRoutingConfig(json).models.size, 2);
  const yaml = join(dir, 'r.yaml');
  writeFileSync(
    yaml,
    'backends:\n  a: { url: "http://127.0.0.1:1" }\nmodels:\n  m:\n    backends: [{ backend: a }]\n',
  );
  assert.deepEqual([...loadRoutingConfig(yaml).models.keys()], ['m']);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"backends":');
  assert.throws(
    () => loadRoutingConfig(bad),
    (e: RoutingConfigError) => e.field === '(file)' && /not valid JSON/.test(e.message),
  );
});

test('the local stack table is valid once its ports are filled in', async () => {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(new URL('../../../config/local.json', import.meta.url), 'utf8').replace(
    /\{\{(\w+)(?:\+(\d+))?\}\}/g,
    (_m, _name, add) => String(8090 + Number(add ?? 0)),
  );
  const c = parseRoutingConfig(JSON.parse(text));
  assert.ok(c.models.size >= 3);
});
