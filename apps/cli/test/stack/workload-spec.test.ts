import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { apiServiceWorkload } from '@opsight/api-service/workload';
import type { WorkloadDescriptor } from '@opsight/contracts/workload';
import { modelRouterWorkload } from '@opsight/model-router/workload';
import { repoRoot } from '../../src/root.js';
import { stackContext } from '../../src/stack/context.js';
import { localStack } from '../../src/stack/local-stack.js';
import { WorkloadWiringError, workloadSpec } from '../../src/stack/workload-spec.js';

const varDir = mkdtempSync(join(tmpdir(), 'opsight-workload-spec-'));
after(() => rmSync(varDir, { recursive: true, force: true }));

test("a spec takes the descriptor's program, ports, probes, metrics and limits, and the local wiring", () => {
  const spec = workloadSpec(modelRouterWorkload, {
    ports: { grpc: 1051, metrics: 1095 },
    args: ['--config', '/etc/routing.json', '--listen=127.0.0.1:1051'],
    env: { LOG_LEVEL: 'debug' },
    dependsOn: ['model-serving-0'],
  });
  assert.equal(spec.command, process.execPath);
  assert.equal(modelRouterWorkload.binary.kind, 'node');
  assert.deepEqual(spec.args, [
    '--enable-source-maps',
    modelRouterWorkload.binary.kind === 'node' ? modelRouterWorkload.binary.file : '',
    '--config',
    '/etc/routing.json',
    '--listen=127.0.0.1:1051',
  ]);
  assert.equal(spec.namespace, 'platform');
  assert.deepEqual(spec.ports, [
    { name: 'grpc', port: 1051 },
    { name: 'metrics', port: 1095 },
  ]);
  assert.deepEqual(spec.metrics, { port: 1095 });
  assert.deepEqual(spec.readinessProbe, { http: { port: 1095, path: '/ready' }, periodMs: 300 });
  assert.deepEqual(spec.livenessProbe, {
    http: { port: 1095, path: '/healthz' },
    periodMs: 10_000,
    failureThreshold: 6,
  });
  assert.deepEqual(spec.resources, { limits: { cpu: 1, memoryBytes: 384 * 1024 * 1024 } });
  assert.deepEqual(spec.env, { LOG_LEVEL: 'debug' });
  assert.deepEqual(spec.dependsOn, ['model-serving-0']);
});

test('local limits and liveness can be set apart from the cluster', () => {
  const spec = workloadSpec(apiServiceWorkload, {
    ports: { http: 1081 },
    liveness: false,
    limits: { cpu: '500m', memory: '1Gi' },
  });
  assert.equal(spec.livenessProbe, undefined);
  assert.deepEqual(spec.resources, { limits: { cpu: 0.5, memoryBytes: 1024 ** 3 } });
});

test('wiring that does not fit the descriptor is refused, naming what is wrong', () => {
  const router = (wiring: Partial<Parameters<typeof workloadSpec>[1]>) => () =>
    workloadSpec(modelRouterWorkload, { ports: { grpc: 1, metrics: 2 }, args: ['--config', 'x'], ...wiring });
  assert.throws(router({ args: ['--config', 'x', '--backend', 'y'] }), {
    name: 'WorkloadWiringError',
    message: 'model-router: --backend is not a flag of model-router',
  });
  assert.throws(router({ args: [] }), /model-router: --config is required by model-router/);
  assert.throws(
    router({ env: { OPSIGHT_API_LISTEN: 'x' } }),
    /OPSIGHT_API_LISTEN is not read by model-router/,
  );
  assert.throws(router({ ports: { grpc: 1 } }), /model-router: no local port for its metrics port/);
  const program: WorkloadDescriptor = {
    ...modelRouterWorkload,
    binary: { kind: 'program', command: 'nginx' },
  };
  const spec = workloadSpec(program, { ports: { grpc: 1, metrics: 2 }, args: ['--config', 'x'] });
  assert.equal(spec.command, 'nginx');
  assert.deepEqual(spec.args, ['--config', 'x']);
  assert.ok(new WorkloadWiringError('x') instanceof Error);
});

test('every component of ours in the local stack runs a bin its package declares', () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir });
  const ours = localStack(ctx).components.filter((c) => c.command === process.execPath);
  assert.deepEqual(ours.map((c) => c.name).sort(), [
    'alert-relay',
    'api-service',
    'collector',
    'console',
    'gateway-telemetry',
    'loadgen',
    'logstore',
    'model-router',
    'model-serving-0',
    'model-serving-1',
    'model-serving-2',
    'tracestore',
  ]);
  for (const c of ours)
    assert.match(c.args?.find((a) => a.endsWith('.js')) ?? '', /\/dist\/src\/bin\/[a-z-]+\.js$/);
});
