import { join } from 'node:path';
import { ensurePrivateDir } from '@opsight/private-files';
import type { ComponentSpec } from '@opsight/supervisor';
import { type StackContext, workspaceBin } from '../context.js';
import { writeStoreTokensFile } from '../store-auth.js';

/**
 * Creates the stores' data directories, 0700, and under OPSIGHT_AUTH=1 their tokens file (called once the
 * run lock is held, on every start).
 */
export function prepareTelemetryStores(ctx: StackContext): void {
  for (const dir of ['logstore', 'tracestore', 'collector'])
    ensurePrivateDir(join(ctx.paths.data, dir), { service: 'opsight' });
  if (ctx.auth) writeStoreTokensFile(ctx.auth);
}

/** The stores' arguments under OPSIGHT_AUTH=1: tenancy by token, from the generated tokens file. */
const tokensFileArgs = (ctx: StackContext): string[] =>
  ctx.auth ? ['--auth-tokens-file', ctx.auth.tokensFile] : [];

/** The Loki-compatible log store: push and LogQL on the Loki HTTP API. */
export function logstore(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.logstore;
  return {
    name: 'logstore',
    namespace: 'monitoring',
    command: process.execPath,
    args: [
      workspaceBin(ctx, 'observability/logstore', 'logstore.js'),
      '--listen',
      `127.0.0.1:${port}`,
      '--data-dir',
      join(ctx.paths.data, 'logstore'),
      '--retention-age',
      '744h',
      '--stream-idle-period',
      ctx.logShipping.streamIdlePeriod,
      ...tokensFileArgs(ctx),
    ],
    ports: [{ name: 'http', port }],
    metrics: { port },
    readinessProbe: { http: { port, path: '/ready' }, periodMs: 300 },
    resources: { limits: { cpu: 1, memoryBytes: 1024 * 1024 * 1024 } },
  };
}

/**
 * The log collector (Grafana Alloy's job on a node): tails every pod's CRI log under var/log/pods and
 * ships it to the log store with labels {namespace, app, container, pod, level}.
 */
export function collector(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.collector;
  return {
    name: 'collector',
    namespace: 'monitoring',
    command: process.execPath,
    args: [
      workspaceBin(ctx, 'observability/logstore', 'collector.js'),
      '--pods-dir',
      ctx.paths.podLogs,
      '--positions',
      join(ctx.paths.data, 'collector', 'positions.json'),
      '--url',
      `http://127.0.0.1:${ctx.ports.logstore}`,
      '--listen',
      `127.0.0.1:${port}`,
      '--max-retry-period',
      ctx.logShipping.maxRetryPeriod,
      ...(ctx.auth
        ? ['--tenant', ctx.auth.tenant, '--bearer-token-file', ctx.auth.tokenFile('collector')]
        : []),
    ],
    ports: [{ name: 'metrics', port }],
    metrics: { port },
    dependsOn: ['logstore'],
    readinessProbe: { http: { port, path: '/ready' }, periodMs: 300 },
    resources: { limits: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024 } },
  };
}

/** The trace store: OTLP in (HTTP and gRPC), Jaeger's query API out. */
export function tracestore(ctx: StackContext): ComponentSpec {
  const { tracestoreOtlpHttp: http, tracestoreOtlpGrpc: grpc, tracestoreQuery: query } = ctx.ports;
  return {
    name: 'tracestore',
    namespace: 'monitoring',
    command: process.execPath,
    args: [
      workspaceBin(ctx, 'observability/tracestore', 'tracestore.js'),
      '--data-dir',
      join(ctx.paths.data, 'tracestore'),
      '--otlp-http',
      `127.0.0.1:${http}`,
      '--otlp-grpc',
      `127.0.0.1:${grpc}`,
      '--query',
      `127.0.0.1:${query}`,
      ...tokensFileArgs(ctx),
    ],
    ports: [
      { name: 'otlp-http', port: http },
      { name: 'otlp-grpc', port: grpc },
      { name: 'query', port: query },
    ],
    metrics: { port: query },
    readinessProbe: { http: { port: query, path: '/ready' }, periodMs: 300 },
    resources: { limits: { cpu: 1, memoryBytes: 1024 * 1024 * 1024 } },
  };
}
