import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  binaryProblems,
  cpuCores,
  descriptorProblems,
  memoryBytes,
  nodeBinary,
  type WorkloadDescriptor,
  workloadPort,
} from '@opsight/contracts/workload';

const sound: WorkloadDescriptor = {
  name: 'example',
  namespace: 'platform',
  summary: 'an example',
  binary: { kind: 'program', command: 'example' },
  flags: { listen: { description: 'host:port' } },
  env: { EXAMPLE_TOKEN: { description: 'a token', secret: true } },
  ports: [
    { name: 'http', port: 8080 },
    { name: 'metrics', port: 9090 },
  ],
  probes: { readiness: { path: '/ready', port: 'http' }, liveness: { path: '/healthz', port: 'metrics' } },
  resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  metrics: { port: 'metrics', path: '/metrics' },
  logFormat: 'json',
};

test('quantities convert as Kubernetes reads them', () => {
  assert.equal(cpuCores('250m'), 0.25);
  assert.equal(cpuCores('2'), 2);
  assert.equal(cpuCores('0.5'), 0.5);
  assert.equal(memoryBytes('256Mi'), 256 * 1024 * 1024);
  assert.equal(memoryBytes('1Gi'), 1024 ** 3);
});

test('a sound descriptor has no problems, and its ports are found by name', () => {
  assert.deepEqual(descriptorProblems(sound), []);
  assert.equal(workloadPort(sound, 'metrics').port, 9090);
  assert.throws(() => workloadPort(sound, 'grpc'), /example: no port named grpc/);
});

test('an inconsistent descriptor is reported, every fault by name', () => {
  const bad: WorkloadDescriptor = {
    ...sound,
    flags: { Listen: { description: 'x' } },
    env: { EXAMPLE_TOKEN: { description: 'a token', secret: true, default: 'hunter2' } },
    ports: [
      { name: 'http', port: 8080 },
      { name: 'http', port: 8080 },
      { name: 'grpc', port: 70000 },
    ],
    probes: { readiness: { path: 'ready', port: 'query' } },
    metrics: { port: 'metrics', path: '/metrics' },
    resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '1', memory: '1Gi' } },
  };
  assert.deepEqual(descriptorProblems(bad), [
    'example: duplicate port names',
    'example: duplicate port numbers',
    'example: port grpc is 70000, outside 1..65535',
    'example: readiness probe on port query, which it does not declare',
    'example: readiness probe path ready is not absolute',
    'example: metrics on port metrics, which it does not declare',
    'example: secret EXAMPLE_TOKEN has a default',
    'example: flag Listen is not a --lower.case-name',
    'example: CPU request above its limit',
    'example: memory request above its limit',
  ]);
});

test("a node binary must be the named package's bin", () => {
  assert.deepEqual(binaryProblems(sound), [], 'programs that are not ours are not checked');
  // This test file belongs to @opsight/contracts, which has no bin.
  const here = nodeBinary('@opsight/contracts', 'contracts', new URL(import.meta.url));
  assert.deepEqual(binaryProblems({ ...sound, binary: here }), [
    'example: @opsight/contracts has no bin contracts',
  ]);
  const elsewhere = nodeBinary('@opsight/other', 'other', new URL(import.meta.url));
  assert.deepEqual(binaryProblems({ ...sound, binary: elsewhere }), [
    `example: ${elsewhere.kind === 'node' ? elsewhere.file : ''} is not in package @opsight/other`,
  ]);
  const missing = nodeBinary(
    '@opsight/contracts',
    'contracts',
    new URL('./no-such-file.js', import.meta.url),
  );
  assert.match(binaryProblems({ ...sound, binary: missing })[0] ?? '', /no-such-file\.js does not exist/);
});
