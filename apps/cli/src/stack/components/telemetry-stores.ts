import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectorWorkload, logstoreWorkload } from '@opsight/logstore/workload';
import { ensurePrivateDir, ensurePrivateFile } from '@opsight/private-files';
import { LOG_RULE_FILES, LOG_RULES, renderLogRuleFile } from '@opsight/rules';
import type { ComponentSpec } from '@opsight/supervisor';
import { tracestoreWorkload } from '@opsight/tracestore/workload';
import { ALERTMANAGER_USER, alertmanagerPasswordFile } from '../alertmanager-auth.js';
import type { StackContext } from '../context.js';
import { writeStoreTokensFile } from '../store-auth.js';
import { workloadSpec } from '../workload-spec.js';

/** The log store's rule directory (Loki's local rule storage layout, `<tenant>/<namespace>.yaml`). */
export function logRulesDir(ctx: StackContext): string {
  return join(ctx.paths.data, 'logstore-rules');
}

/**
 * Writes the platform's log rules (observability/prometheus/src/log-groups) into the log store's rule
 * directory for both of its tenants, rendered fresh on every start: under OPSIGHT_FAST=1 the fast variant
 * (every `for:` in seconds, groups every second). Only the shipped namespaces are rewritten; namespaces
 * created through the rules API stay.
 */
export function writeLogRules(ctx: StackContext): void {
  const dir = logRulesDir(ctx);
  ensurePrivateDir(dir, { service: 'opsight' });
  for (const tenant of [LOG_RULES.singleTenant, LOG_RULES.tenant]) {
    ensurePrivateDir(join(dir, tenant), { service: 'opsight' });
    for (const file of LOG_RULE_FILES) {
      const path = join(dir, tenant, `${file.namespace}.yaml`);
      writeFileSync(path, renderLogRuleFile(file, { fast: ctx.fast }), { mode: 0o600 });
      ensurePrivateFile(path, { service: 'opsight' });
    }
  }
}

/**
 * Creates the stores' data directories, 0700, the log store's rules, and under OPSIGHT_AUTH=1 their tokens
 * file (called once the run lock is held, on every start).
 */
export function prepareTelemetryStores(ctx: StackContext): void {
  for (const dir of ['logstore', 'tracestore', 'collector'])
    ensurePrivateDir(join(ctx.paths.data, dir), { service: 'opsight' });
  writeLogRules(ctx);
  if (ctx.auth) writeStoreTokensFile(ctx.auth);
}

/**
 * The log store's ruler: the rule directory, alerts to this stack's Alertmanager (basic auth, as Prometheus
 * sends them) and recorded samples to this stack's Prometheus by remote write.
 */
export function rulerArgs(ctx: StackContext): string[] {
  return [
    '--rules-dir',
    logRulesDir(ctx),
    '--ruler-alertmanager-url',
    `http://127.0.0.1:${ctx.ports.alertmanager}`,
    '--ruler-alertmanager-basic-auth-username',
    ALERTMANAGER_USER,
    '--ruler-alertmanager-basic-auth-password-file',
    alertmanagerPasswordFile(ctx),
    '--ruler-remote-write-url',
    `http://127.0.0.1:${ctx.ports.prometheus}/api/v1/write`,
    ...(ctx.fast ? ['--ruler-evaluation-interval', '1s'] : []),
  ];
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
      ...rulerArgs(ctx),
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
