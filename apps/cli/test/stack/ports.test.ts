import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/root.js';
import { DEFAULT_PORTS, PortConfigError, portVariable, resolvePorts } from '../../src/stack/ports.js';

test('defaults are the documented ports', () => {
  const p = resolvePorts({});
  assert.equal(p.prometheus, 9090);
  assert.equal(p.postgresPrimary, 5433);
  assert.equal(p.postgresReplica, 5434);
  assert.equal(p.redis, 6380);
  assert.equal(p.supervisor, 9100);
  assert.deepEqual(p, { ...DEFAULT_PORTS });
});

test("docs/architecture.md's port table lists exactly the default ports", () => {
  const doc = readFileSync(join(repoRoot(), 'docs/architecture.md'), 'utf8');
  const section = doc.split('\n## Ports\n')[1]?.split('\n## ')[0] ?? '';
  const documented = [...section.matchAll(/^\|[^|\n]+\|\s*(\d+)\s*\|$/gm)].map((m) => Number(m[1]));
  const sorted = (ports: number[]) => [...ports].sort((a, b) => a - b);
  assert.deepEqual(sorted(documented), sorted(Object.values(DEFAULT_PORTS)));
});

test('OPSIGHT_PORT_OFFSET shifts every port; OPSIGHT_PORT_<NAME> sets one', () => {
  const p = resolvePorts({ OPSIGHT_PORT_OFFSET: '10000', OPSIGHT_PORT_PROMETHEUS: '29999' });
  assert.equal(p.prometheus, 29999);
  assert.equal(p.redis, 16380);
  assert.equal(p.modelRouter, 60051);
  assert.equal(portVariable('postgresPrimary'), 'OPSIGHT_PORT_POSTGRES_PRIMARY');
  assert.equal(portVariable('tracestoreOtlpHttp'), 'OPSIGHT_PORT_TRACESTORE_OTLP_HTTP');
});

test('bad values are rejected naming the variable and the value', () => {
  const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
    [{ OPSIGHT_PORT_PROMETHEUS: 'abc' }, 'OPSIGHT_PORT_PROMETHEUS', /"abc": must be a port number/],
    [{ OPSIGHT_PORT_REDIS: '70000' }, 'OPSIGHT_PORT_REDIS', /outside 1\.\.65535/],
    [{ OPSIGHT_PORT_OFFSET: '-5' }, 'OPSIGHT_PORT_OFFSET', /whole number/],
    [{ OPSIGHT_PORT_OFFSET: '20000' }, 'OPSIGHT_PORT_OFFSET', /gives port 70051/],
  ];
  for (const [env, variable, message] of cases) {
    assert.throws(
      () => resolvePorts(env),
      (err: Error) =>
        err instanceof PortConfigError && err.variable === variable && message.test(err.message),
    );
  }
});
