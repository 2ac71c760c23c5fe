import {
  gatewayTelemetryLagBytes,
  gatewayTelemetryLagSeconds,
  gatewayTelemetryLinesTotal,
  gatewayTelemetryParseErrorsTotal,
  gatewayTelemetryReopensTotal,
  type MetricDefinition,
  nginxHttpRequestDurationSeconds,
  nginxHttpRequestSizeBytes,
  nginxHttpRequestsTotal,
  nginxHttpResponseSizeBytes,
  telemetryLabelValuesMappedTotal,
} from '@opsight/catalog';
import { boundedLabel, type LabelMapper, type MetricsRegistry } from '@opsight/telemetry';
import { Gauge } from 'prom-client';
import type { AccessLogEntry, ParseErrorReason } from '../access-log/access-log-line.js';
import { PARSE_ERROR_REASONS } from '../access-log/access-log-line.js';

/** Host label value for any host outside the configured set (the Host header is the client's). */
export const HOST_OTHER = 'other';

/**
 * A counter of bytes exposed with the gauge type. The strategy (docs/architecture.md, 1.2 a) queries
 * `rate(nginx_http_request_size_bytes[…])` under that exact name, but a counter in the OpenMetrics
 * exposition (what Prometheus scrapes) must name its samples `<name>_total`; a gauge keeps the name. The value only ever grows, so rate() and increase() read
 * it as the counter it is.
 */
function byteCounter(registry: MetricsRegistry, def: MetricDefinition<'host'>): Gauge<'host'> {
  return new Gauge({ name: def.name, help: def.help, labelNames: def.labels, registers: [registry.prom] });
}

/** The nginx_http_* families and gateway-telemetry's own health, in one registry. */
export class GatewayMetrics {
  readonly #requests;
  readonly #duration;
  readonly #requestBytes;
  readonly #responseBytes;
  readonly #lines;
  readonly #parseErrors;
  readonly #lagBytes;
  readonly #lagSeconds;
  readonly #reopens;
  readonly #host: LabelMapper;

  constructor(registry: MetricsRegistry, hosts: readonly string[]) {
    this.#requests = registry.counter(nginxHttpRequestsTotal);
    this.#duration = registry.histogram(nginxHttpRequestDurationSeconds);
    this.#requestBytes = byteCounter(registry, nginxHttpRequestSizeBytes);
    this.#responseBytes = byteCounter(registry, nginxHttpResponseSizeBytes);
    this.#lines = registry.counter(gatewayTelemetryLinesTotal);
    this.#parseErrors = registry.counter(gatewayTelemetryParseErrorsTotal);
    this.#lagBytes = registry.gauge(gatewayTelemetryLagBytes);
    this.#lagSeconds = registry.gauge(gatewayTelemetryLagSeconds);
    this.#reopens = registry.counter(gatewayTelemetryReopensTotal);
    this.#host = boundedLabel(hosts, HOST_OTHER, {
      counter: registry.counter(telemetryLabelValuesMappedTotal),
      metric: nginxHttpRequestsTotal.name,
      label: 'host',
    });
    // Present from the start, so rate() works before the first event.
    this.#lines.inc(0);
    for (const reason of PARSE_ERROR_REASONS) this.#parseErrors.inc({ reason }, 0);
    for (const reason of ['rotated', 'truncated']) this.#reopens.inc({ reason }, 0);
    this.#lagBytes.set(0);
    this.#lagSeconds.set(0);
  }

  /** Counts one request of the access log. */
  record(entry: AccessLogEntry, nowMs = Date.now()): void {
    const host = this.#host(entry.host);
    this.#requests.inc({ host, status: String(entry.status) });
    this.#duration.observe({
      labels: { host },
      value: entry.requestTime,
      exemplarLabels: { trace_id: entry.traceId } as unknown as { host: string },
    });
    this.#requestBytes.inc({ host }, entry.requestLength);
    this.#responseBytes.inc({ host }, entry.bytesSent);
    this.#lines.inc();
    this.#lagSeconds.set(Math.max(0, (nowMs - entry.endMs) / 1000));
  }

  parseError(reason: ParseErrorReason): void {
    this.#parseErrors.inc({ reason });
  }

  reopened(reason: 'rotated' | 'truncated'): void {
    this.#reopens.inc({ reason });
  }

  lag(bytes: number): void {
    this.#lagBytes.set(bytes);
  }
}
