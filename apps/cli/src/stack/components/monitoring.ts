import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertRelayWorkload } from '@opsight/alert-relay/workload';
import { ensurePrivateDir, ensurePrivateFile } from '@opsight/private-files';
import { nativeReceiversFromEnv, renderAlertmanagerConfig as renderAlertmanagerFile } from '@opsight/rules';
import type { ComponentSpec } from '@opsight/supervisor';
import {
  ALERTMANAGER_USER,
  alertmanagerAuthorization,
  alertmanagerPasswordFile,
  renderAlertmanagerWebConfig,
} from '../alertmanager-auth.js';
import type { StackContext } from '../context.js';
import { alertmanagerWorkload, prometheusWorkload } from '../engines.js';
import { renderPrometheusConfig, writeFastRules } from '../prometheus-config.js';
import { workloadSpec } from '../workload-spec.js';

const promConfig = (ctx: StackContext) => join(ctx.paths.config, 'prometheus.yml');
const alertmanagerConfig = (ctx: StackContext) => join(ctx.paths.config, 'alertmanager.yml');
const alertmanagerWebConfig = (ctx: StackContext) => join(ctx.paths.config, 'alertmanager-web.yml');

/**
 * The local Alertmanager configuration, rendered from the same sources as the committed
 * observability/alertmanager/alertmanager.yml: the relay at this stack's port; under OPSIGHT_FAST=1,
 * group_wait 1s and group_interval 2s so whole-stack tests see notifications (and their resolution) within
 * seconds; the email and WeCom receivers configured in `env` (OPSIGHT_ALERT_*). Throws
 * {@link AlertReceiverError} naming a configured receiver that lacks its secret, so `opsight up` stops
 * before starting anything.
 */
export function renderAlertmanagerConfig(ctx: StackContext, env: NodeJS.ProcessEnv = process.env): string {
  const text = renderAlertmanagerFile({
    relayAddress: `127.0.0.1:${ctx.ports.alertRelay}`,
    fast: ctx.fast,
    receivers: nativeReceiversFromEnv(env),
  });
  return `# Rendered by opsight up — do not edit.\n${text}`;
}

/** Writes prometheus.yml with a scrape job for every component that declares metrics. */
export function preparePrometheus(ctx: StackContext, components: ComponentSpec[]): void {
  ensurePrivateDir(join(ctx.paths.data, 'prometheus'), { service: 'opsight' });
  ensurePrivateDir(join(ctx.paths.data, 'alertmanager'), { service: 'opsight' });
  if (ctx.fast) writeFastRules(ctx);
  writeFileSync(promConfig(ctx), renderPrometheusConfig(ctx, components));
  // Mode 0600: with WeCom configured, the file holds its application secret.
  const config = renderAlertmanagerConfig(ctx);
  writeFileSync(alertmanagerConfig(ctx), config, { mode: 0o600 });
  ensurePrivateFile(alertmanagerConfig(ctx), { service: 'opsight' });
  writeFileSync(alertmanagerWebConfig(ctx), renderAlertmanagerWebConfig(ctx), { mode: 0o600 });
  ensurePrivateFile(alertmanagerWebConfig(ctx), { service: 'opsight' });
}

/**
 * Prometheus's `--web.cors.origin` (a regular expression Prometheus anchors): the console's origin on the
 * loopback names. Alertmanager 0.25 has no such setting; it stays on 127.0.0.1 behind basic auth, and the
 * console never writes to it (docs/security.md).
 */
export function consoleOriginPattern(ctx: StackContext): string {
  return `http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):${ctx.ports.console}`;
}

export function prometheus(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.prometheus;
  return workloadSpec(prometheusWorkload, {
    command: '/usr/bin/prometheus',
    ports: { web: port },
    args: [
      `--config.file=${promConfig(ctx)}`,
      `--storage.tsdb.path=${join(ctx.paths.data, 'prometheus')}`,
      '--storage.tsdb.retention.time=15d',
      `--web.listen-address=127.0.0.1:${port}`,
      // No --web.enable-lifecycle: nothing reloads or stops Prometheus over HTTP, and a web page could
      // (POST /-/reload, /-/quit check no Origin). opsight restarts it to reload.
      // Browsers: only the console's origin gets CORS headers (the default '.*' answers every page).
      `--web.cors.origin=${consoleOriginPattern(ctx)}`,
      // Exemplars (trace ids on latency histograms) are stored when scraped as OpenMetrics.
      '--enable-feature=exemplar-storage',
      // The log store's ruler writes its recording rules' samples here (POST /api/v1/write). Prometheus does
      // not check a write's Origin, so a web page could add (never read) samples on this port; it listens on
      // 127.0.0.1 only, as production's receiver listens inside the cluster.
      '--web.enable-remote-write-receiver',
    ],
    // Locally a core and 2 GiB, on a machine the whole stack shares.
    limits: { cpu: '1', memory: '2Gi' },
  });
}

export function alertmanager(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.alertmanager;
  return workloadSpec(alertmanagerWorkload, {
    command: '/usr/bin/prometheus-alertmanager',
    ports: { web: port },
    args: [
      `--config.file=${alertmanagerConfig(ctx)}`,
      `--storage.path=${join(ctx.paths.data, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Basic auth on every path: Alertmanager answers every origin with CORS headers (alertmanager-auth.ts).
      `--web.config.file=${alertmanagerWebConfig(ctx)}`,
      // One local instance: no gossip cluster (it would listen on every interface, port 9094).
      '--cluster.listen-address=',
    ],
    metricsBasicAuth: { username: ALERTMANAGER_USER, passwordFile: alertmanagerPasswordFile(ctx) },
    probeHeaders: { authorization: alertmanagerAuthorization(ctx) },
  });
}

/**
 * The alert relay (observability/alert-relay): Alertmanager's webhook receiver. Locally it keeps the inbox the
 * console shows; ALERT_RELAY_CONFIG (inherited) adds DingTalk, Feishu or Slack-compatible receivers.
 */
export function alertRelay(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.alertRelay;
  return workloadSpec(alertRelayWorkload, {
    ports: { http: port },
    // The on-disk queue: what the relay answered 202 for survives its restarts (observability/alert-relay).
    args: ['--queue-dir', join(ctx.paths.data, 'alert-relay')],
    env: {
      ALERT_RELAY_HOST: '127.0.0.1',
      ALERT_RELAY_PORT: String(port),
      ...(process.env.ALERT_RELAY_CONFIG ? { ALERT_RELAY_CONFIG: process.env.ALERT_RELAY_CONFIG } : {}),
    },
    // Readiness only, locally: the liveness probe is the cluster's.
    liveness: false,
    // Locally a fifth of a core: it relays a few notifications a minute.
    limits: { cpu: '200m', memory: '256Mi' },
  });
}
