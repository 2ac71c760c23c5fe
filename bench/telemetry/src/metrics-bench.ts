import type { MetricDefinition } from '@opsight/catalog';
import { MetricsRegistry } from '@opsight/telemetry';
import { Counter, Registry } from 'prom-client';

export interface MetricsResult {
  series: number;
  barePromClientMs: number;
  opsightTextMs: number;
  opsightOpenMetricsMs: number;
}

const definition: MetricDefinition<'method' | 'route' | 'status_class'> = {
  name: 'bench_requests_total',
  help: 'Benchmark series.',
  type: 'counter',
  unit: 'requests',
  labels: ['method', 'route', 'status_class'],
  source: 'service',
};

async function timeRenders(render: () => Promise<unknown>, times: number): Promise<number> {
  await render(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < times; i++) await render();
  return Number(process.hrtime.bigint() - start) / 1e6 / times;
}

/** Milliseconds to render /metrics with `series` counter series: bare prom-client vs the SDK's registry. */
export async function benchMetrics(series: number, times: number): Promise<MetricsResult> {
  const bare = new Registry();
  const bareCounter = new Counter({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    registers: [bare],
  });
  const ours = new MetricsRegistry({ defaultMetrics: false });
  const ourCounter = ours.counter(definition);
  for (let i = 0; i < series; i++) {
    const labels = { method: i % 2 ? 'GET' : 'POST', route: `/route/${i}`, status_class: '2xx' };
    bareCounter.inc(labels, i);
    ourCounter.inc(labels, i);
  }
  return {
    series,
    barePromClientMs: await timeRenders(() => bare.metrics(), times),
    opsightTextMs: await timeRenders(() => ours.render(), times),
    opsightOpenMetricsMs: await timeRenders(() => ours.render('application/openmetrics-text'), times),
  };
}
