import { readFile, rename, stat } from 'node:fs/promises';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  telemetrySpanExportRetriesTotal,
  telemetrySpansDroppedTotal,
  telemetrySpansExportedTotal,
} from '@opsight/catalog';
import {
  BoundedSpanProcessor,
  type Logger,
  MetricsRegistry,
  OtlpHttpSpanExporter,
  readOtelEnv,
  type SpanExportRetryOptions,
} from '@opsight/telemetry';
import { AdminEndpoints, type AdminServer, startAdminServer } from '@opsight/telemetry/admin';
import { parseAccessLogLine } from './access-log/access-log-line.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { gatewaySpan } from './spans/gateway-span.js';
import { LogTailer } from './tail/log-tailer.js';

export interface GatewayTelemetryOptions {
  /** nginx's JSON access log. */
  accessLog: string;
  /** Where the read position is kept across restarts. */
  positionsFile: string;
  /**
   * Address of the admin server (/metrics, /healthz, /readyz and the alias /ready) as host:port (port 0:
   * any free port).
   * @default '127.0.0.1:9113'
   */
  listen?: string;
  /** Host names kept as the `host` label; any other Host header counts as `other`. @default ['localhost', '127.0.0.1'] */
  hosts?: readonly string[];
  /** `service.name` of the gateway's spans. @default 'gateway' */
  serviceName?: string;
  /** Where the gateway's spans go. @default OTLP/HTTP protobuf, configured by OTEL_EXPORTER_OTLP_* */
  spanExporter?: SpanExporter;
  /** Metric registry to register into. @default a new one with process metrics */
  registry?: MetricsRegistry;
  /** Logger for the sidecar's own events. @default none */
  logger?: Logger;
  /** Time between reads of the access log, in milliseconds. @default 200 */
  pollMs?: number;
  /** Delay before a batch of spans is exported, in milliseconds. @default OTEL_BSP_SCHEDULE_DELAY, else 5000 */
  spanBatchDelayMs?: number;
  /**
   * Retry of span exports refused with 429/502/503/504 or a network error: bounded exponential back-off,
   * Retry-After honoured, spans held in the bounded queue (OTEL_BSP_MAX_QUEUE_SIZE) meanwhile.
   * @default { initialBackoffMs: 1000, maxBackoffMs: 30000, maxRetryElapsedMs: 300000 }
   */
  spanExportRetry?: SpanExportRetryOptions;
  /**
   * Rotate the access log once it is this large and fully read: rename it to `<file>.1` (replacing the
   * previous one) and ask nginx to reopen its logs (SIGUSR1 to the pid in `nginxPidFile`), as logrotate
   * would. Needs `nginxPidFile`. @default no rotation
   */
  rotateBytes?: number;
  /** nginx's pid file, for `rotateBytes`. */
  nginxPidFile?: string;
}

/**
 * The gateway-telemetry sidecar: follows nginx's access log and turns each line into the nginx_http_*
 * metrics (served on /metrics) and the gateway's server span (exported over OTLP). Lines it cannot use are
 * counted in gateway_telemetry_parse_errors_total and skipped.
 */
export class GatewayTelemetry {
  readonly registry: MetricsRegistry;
  readonly metrics: GatewayMetrics;
  readonly #tailer: LogTailer;
  readonly #processor: BoundedSpanProcessor;
  #lastExportErrorLog = 0;
  readonly #admin: AdminEndpoints;
  #server: AdminServer | undefined;
  readonly #resource: Resource;
  #address = '';
  #rotateTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: GatewayTelemetryOptions) {
    this.registry = options.registry ?? new MetricsRegistry();
    this.metrics = new GatewayMetrics(this.registry, options.hosts ?? ['localhost', '127.0.0.1']);
    const dropped = this.registry.counter(telemetrySpansDroppedTotal);
    const exported = this.registry.counter(telemetrySpansExportedTotal);
    const retries = this.registry.counter(telemetrySpanExportRetriesTotal);
    for (const reason of ['queue_full', 'export_failed', 'retries_exhausted']) dropped.inc({ reason }, 0);
    exported.inc(0);
    retries.inc(0);
    // The exporter and the processor follow the standard OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables.
    const otel = readOtelEnv(process.env);
    const exporter: SpanExporter =
      options.spanExporter ??
      new OtlpHttpSpanExporter({
        url: otel.tracesEndpoint,
        headers: otel.headers,
        timeoutMs: otel.exportTimeoutMs,
      });
    this.#processor = new BoundedSpanProcessor(
      exporter,
      {
        maxQueueSize: otel.maxQueueSize,
        maxExportBatchSize: otel.maxExportBatchSize,
        scheduleDelayMs:
          options.spanBatchDelayMs ?? (process.env.OTEL_BSP_SCHEDULE_DELAY ? otel.scheduleDelayMs : 5000),
        exportTimeoutMs: otel.exportTimeoutMs,
        ...options.spanExportRetry,
      },
      {
        onExported: (n) => exported.inc(n),
        onDropped: (reason, n) => dropped.inc({ reason }, n),
        onRetry: () => retries.inc(),
        onError: (error) => {
          // Logged at most once a minute; every failure is counted above.
          const now = Date.now();
          if (now - this.#lastExportErrorLog < 60_000) return;
          this.#lastExportErrorLog = now;
          options.logger?.warn({ error }, 'span export failed');
        },
      },
    );
    this.#resource = resourceFromAttributes({
      'service.name': options.serviceName ?? 'gateway',
      'service.namespace': 'opsight',
      'telemetry.source': 'nginx access log',
    });
    const scope = { name: '@opsight/gateway-telemetry', version: '0.1.0' };
    this.#tailer = new LogTailer({
      path: options.accessLog,
      positionsFile: options.positionsFile,
      pollMs: options.pollMs,
      onLine: (line) => {
        const parsed = parseAccessLogLine(line);
        if (!parsed.ok) {
          this.metrics.parseError(parsed.reason);
          options.logger?.debug({ reason: parsed.reason, field: parsed.field }, 'access-log line skipped');
          return;
        }
        this.metrics.record(parsed.entry);
        this.#processor.onEnd(gatewaySpan(parsed.entry, this.#resource, scope));
      },
      onSkipped: (reason) => this.metrics.parseError(reason),
      onReopen: (reason) => {
        this.metrics.reopened(reason);
        options.logger?.info({ reason, path: options.accessLog }, 'access log reopened');
      },
      onLag: (bytes) => this.metrics.lag(bytes),
      onError: (error) => options.logger?.warn({ error }, 'reading the access log failed'),
    });
    this.#admin = new AdminEndpoints({
      metrics: this.registry,
      routes: { '/ready': 'ready' },
      // The answer says nothing of the failure; the error is in the log line.
      onError: (error, path) =>
        this.options.logger?.error({ error_code: 'INTERNAL_ERROR', error }, `rendering ${path} failed`),
    });
  }

  /** Starts following the log and serving /metrics. */
  static async start(options: GatewayTelemetryOptions): Promise<GatewayTelemetry> {
    const self = new GatewayTelemetry(options);
    await self.#tailer.start();
    const listen = options.listen ?? '127.0.0.1:9113';
    const colon = listen.lastIndexOf(':');
    const host = listen.slice(0, colon) || '127.0.0.1';
    const port = Number(listen.slice(colon + 1));
    if (colon === -1 || !Number.isInteger(port) || port < 0 || port > 65535) {
      await self.#tailer.stop();
      throw new Error(`listen: expected host:port, got ${JSON.stringify(listen)}`);
    }
    try {
      self.#server = await startAdminServer(self.#admin, { host, port });
    } catch (error) {
      await self.#tailer.stop();
      throw error;
    }
    self.#address = `${self.#server.host}:${self.#server.port}`;
    if (options.rotateBytes !== undefined) {
      if (!(options.rotateBytes > 0) || !options.nginxPidFile) {
        await self.close();
        throw new Error('rotateBytes needs a positive size and nginxPidFile');
      }
      const check = () => {
        self.#rotateTimer = setTimeout(() => {
          self.#rotateIfLarge(options.rotateBytes!, options.nginxPidFile!).finally(check);
        }, 1000);
      };
      check();
    }
    return self;
  }

  /** Renames a large, fully read access log and makes nginx reopen it; failures are logged. */
  async #rotateIfLarge(maxBytes: number, pidFile: string): Promise<void> {
    const path = this.options.accessLog;
    try {
      const size = (await stat(path)).size;
      const position = this.#tailer.position();
      if (size < maxBytes || !position || position.offset < size) return;
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${pidFile}`);
      await rename(path, `${path}.1`);
      process.kill(pid, 'SIGUSR1');
      this.options.logger?.info({ path, size }, 'access log rotated');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.options.logger?.warn({ error }, 'rotating the access log failed');
    }
  }

  /** Where /metrics is served, as host:port. */
  get address(): string {
    return this.#address;
  }

  /** Reads the log now and exports the spans queued so far. */
  async flush(): Promise<void> {
    await this.#tailer.poll();
    await this.#processor.forceFlush();
  }

  /** Reads what is left, saves the position, exports the last spans and closes the server. */
  async close(): Promise<void> {
    clearTimeout(this.#rotateTimer);
    await this.#tailer.stop();
    await this.#processor.shutdown();
    await this.#server?.close();
  }
}
