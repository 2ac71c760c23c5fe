import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';
import { renderPrometheusConfig } from '../prometheus-config.js';

const promConfig = (ctx: StackContext) => join(ctx.paths.config, 'prometheus.yml');

/** Writes prometheus.yml with a scrape job for every component that declares metrics. */
export function preparePrometheus(ctx: StackContext, components: ComponentSpec[]): void {
  mkdirSync(join(ctx.paths.data, 'prometheus'), { recursive: true });
  mkdirSync(join(ctx.paths.data, 'alertmanager'), { recursive: true });
  writeFileSync(promConfig(ctx), renderPrometheusConfig(ctx, components));
}

export function prometheus(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.prometheus;
  return {
    name: 'prometheus',
    namespace: 'monitoring',
    command: '/usr/bin/prometheus',
    args: [
      `--config.file=${promConfig(ctx)}`,
      `--storage.tsdb.path=${join(ctx.paths.data, 'prometheus')}`,
      '--storage.tsdb.retention.time=15d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      // Exemplars (trace ids on latency histograms) are stored when scraped as OpenMetrics.
      '--enable-feature=exemplar-storage',
    ],
    ports: [{ name: 'web', port }],
    metrics: { port },
    readinessProbe: { http: { port, path: '/-/ready' }, periodMs: 300 },
    livenessProbe: { http: { port, path: '/-/healthy' }, periodMs: 10_000, failureThreshold: 6 },
    resources: { limits: { cpu: 1, memoryBytes: 2 * 1024 * 1024 * 1024 } },
  };
}

export function alertmanager(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.alertmanager;
  return {
    name: 'alertmanager',
    namespace: 'monitoring',
    command: '/usr/bin/prometheus-alertmanager',
    args: [
      `--config.file=${join(ctx.paths.root, 'observability/alertmanager/alertmanager.yml')}`,
      `--storage.path=${join(ctx.paths.data, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // One local instance: no gossip cluster (it would listen on every interface, port 9094).
      '--cluster.listen-address=',
    ],
    ports: [{ name: 'web', port }],
    metrics: { port },
    readinessProbe: { http: { port, path: '/-/ready' }, periodMs: 300 },
    resources: { limits: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024 } },
  };
}
