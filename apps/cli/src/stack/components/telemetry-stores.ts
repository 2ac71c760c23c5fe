import { join } from 'node:path';
import { collectorWorkload, logstoreWorkload } from '@opsight/logstore/workload';
import { ensurePrivateDir } from '@opsight/private-files';
import type { ComponentSpec } from '@opsight/supervisor';
import { tracestoreWorkload } from '@opsight/tracestore/workload';
import type { StackContext } from '../context.js';
import { writeStoreTokensFile } from '../store-auth.js';
import { workloadSpec } from '../workload-spec.js';

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
  return workloadSpec(logstoreWorkload, {
    ports: { http: port },
    args: [
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
  });
}

/**
 * The log collector (Grafana Alloy's job on a node): tails every pod's CRI log under var/log/pods and
 * ships it to the log store with labels {namespace, app, container, pod, level}.
 */
export function collector(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.collector;
  return workloadSpec(collectorWorkload, {
    ports: { metrics: port },
    args: [
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
    dependsOn: ['logstore'],
  });
}

/** The trace store: OTLP in (HTTP and gRPC), Jaeger's query API out. */
export function tracestore(ctx: StackContext): ComponentSpec {
  const { tracestoreOtlpHttp: http, tracestoreOtlpGrpc: grpc, tracestoreQuery: query } = ctx.ports;
  return workloadSpec(tracestoreWorkload, {
    ports: { 'otlp-http': http, 'otlp-grpc': grpc, query },
    args: [
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
  });
}
