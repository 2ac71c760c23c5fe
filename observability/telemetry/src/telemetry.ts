import { context, propagation, type TextMapPropagator, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { BasicTracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream } from 'pino';
import { readOtelEnv } from './config/otel-env.js';
import { TelemetryConfigError } from './config/telemetry-config-error.js';
import { instrumentFetch } from './http/fetch-instrumentation.js';
import { ErrorReporter } from './internal/error-reporter.js';
import { createStdoutDestination, flushDestination } from './logging/destination.js';
import { createLogger, type Logger, type LoggerLevel, parseLogLevel } from './logging/logger.js';
import { MetricsRegistry } from './metrics/registry.js';
import { createSelfMetrics, type SelfMetrics } from './metrics/self-metrics.js';
import { BoundedSpanProcessor, type SpanExportRetryOptions } from './tracing/bounded-span-processor.js';
import { OtlpHttpSpanExporter } from './tracing/otlp-http-span-exporter.js';
import { buildResource } from './tracing/resource.js';
import { buildSampler } from './tracing/sampler.js';
import { WorkerSpanExporter } from './tracing/worker-span-exporter.js';

export interface TelemetryOptions {
  /** `service.name`, and `service` on every log line. */
  service: string;
  /** `service.version`. @default process.env.npm_package_version */
  version?: string;
  /** `service.namespace`. @default OTEL_RESOURCE_ATTRIBUTES' or the Kubernetes namespace, if any */
  namespace?: string;
  /**
   * Fraction of new traces sampled (parent-based: a sampled parent is always followed).
   * @default OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, else 1
   */
  sampleRatio?: number;
  /** Lowest level logged. @default LOG_LEVEL, else 'info' */
  logLevel?: LoggerLevel;
  /** Log destination. @default non-blocking stdout */
  logDestination?: DestinationStream;
  /** Longer log string values are truncated. @default 8192 */
  maxLogFieldLength?: number;
  /** Install SIGTERM/SIGINT handlers that run `shutdown()` and exit. @default true */
  handleSignals?: boolean;
  /** Register prom-client's default process metrics. @default true */
  defaultMetrics?: boolean;
  /** The SDK logs its own errors at most once per this interval per component. @default 60000 */
  errorLogIntervalMs?: number;
  /** Environment to read OTEL_* and LOG_LEVEL from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Span exporter in place of OTLP/HTTP (tests, custom backends). @default OTLP/HTTP protobuf from OTEL_* */
  spanExporter?: SpanExporter;
  /** Client spans and trace-context injection for fetch/undici. @default true */
  instrumentFetch?: boolean;
  /**
   * Retry of span exports refused with 429/502/503/504 or a network error (bounded exponential back-off,
   * Retry-After honoured). @default { initialBackoffMs: 1000, maxBackoffMs: 30000, maxRetryElapsedMs: 300000 }
   */
  spanExportRetry?: SpanExportRetryOptions;
  /**
   * Where OTLP spans are encoded and sent: `main`, batched on the main thread, or `worker`, a worker thread
   * (the main thread only copies each batch to it). Ignored with `spanExporter`. @default 'main'
   */
  spanExportThread?: 'main' | 'worker';
}

/** The SDK of one process. */
export interface Telemetry {
  readonly service: string;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly tracer: Tracer;
  /** Runs `hook` at shutdown, before spans and logs are flushed (e.g. closing the HTTP server). */
  onShutdown(hook: () => unknown): void;
  /** Exports the spans queued so far and writes the buffered log lines. */
  forceFlush(): Promise<void>;
  /** Runs shutdown hooks, flushes spans and logs, and releases the global tracer. Idempotent. */
  shutdown(): Promise<void>;
}

/** What instrumentations need beyond the public surface. */
export interface TelemetryRuntime extends Telemetry {
  readonly self: SelfMetrics;
  readonly errors: ErrorReporter;
}

let current: TelemetryRuntime | undefined;

/** The telemetry of this process; throws when `initTelemetry` has not run. */
export function getTelemetry(): Telemetry {
  if (!current) throw new Error('initTelemetry() has not been called in this process');
  return current;
}

/** Internal: the runtime behind `getTelemetry()`, or behind a given instance. */
export function runtimeOf(telemetry?: Telemetry): TelemetryRuntime {
  return (telemetry as TelemetryRuntime | undefined) ?? (getTelemetry() as TelemetryRuntime);
}

/**
 * Starts telemetry for this process: tracing (W3C trace context and baggage, OTLP/HTTP protobuf export
 * configured by OTEL_*, parent-based ratio sampling), the metric registry and the logger. Call once at
 * startup, before creating servers; a second call for the same service returns the same instance.
 * Throws `TelemetryConfigError` for an invalid option or OTEL_* value.
 */
export function initTelemetry(options: TelemetryOptions): Telemetry {
  if (current) {
    if (current.service === options.service) return current;
    throw new Error(`telemetry already initialized for ${current.service}`);
  }
  if (typeof options.service !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(options.service)) {
    throw new TelemetryConfigError(
      'service',
      String(options.service),
      'expected a name of letters, digits, . _ -',
    );
  }
  const env = options.env ?? process.env;
  const otel = readOtelEnv(env);
  if (options.sampleRatio !== undefined && !(options.sampleRatio >= 0 && options.sampleRatio <= 1)) {
    throw new TelemetryConfigError(
      'sampleRatio',
      String(options.sampleRatio),
      'expected a number from 0 to 1',
    );
  }
  const level = options.logLevel ?? (env.LOG_LEVEL ? parseLogLevel(env.LOG_LEVEL, 'LOG_LEVEL') : 'info');

  const metrics = new MetricsRegistry({ defaultMetrics: options.defaultMetrics ?? true });
  const self = createSelfMetrics(metrics);
  const errors = new ErrorReporter(self.errors, options.errorLogIntervalMs ?? 60_000);

  const stdout = options.logDestination
    ? undefined
    : createStdoutDestination((n) => self.logWriteFailures.inc(n));
  const destination = options.logDestination ?? stdout!.stream;
  const logger = createLogger({
    service: options.service,
    level,
    destination,
    maxFieldLength: options.maxLogFieldLength,
  });
  errors.setSink(logger);
  // Errors the OpenTelemetry SDK reports about itself: counted, logged once per interval.
  setGlobalErrorHandler((error) => errors.report('opentelemetry', error));

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const propagators: TextMapPropagator[] = otel.propagators.map((p) =>
    p === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator(),
  );
  propagation.setGlobalPropagator(new CompositePropagator({ propagators }));

  const spanProcessors: SpanProcessor[] = [];
  if (!otel.sdkDisabled && (options.spanExporter || otel.exporter === 'otlp')) {
    const target = { url: otel.tracesEndpoint, headers: otel.headers, timeoutMs: otel.exportTimeoutMs };
    const exporter =
      options.spanExporter ??
      (options.spanExportThread === 'worker'
        ? new WorkerSpanExporter(target)
        : new OtlpHttpSpanExporter(target));
    spanProcessors.push(
      new BoundedSpanProcessor(
        exporter,
        {
          maxQueueSize: otel.maxQueueSize,
          maxExportBatchSize: otel.maxExportBatchSize,
          scheduleDelayMs: otel.scheduleDelayMs,
          exportTimeoutMs: otel.exportTimeoutMs,
          ...options.spanExportRetry,
        },
        {
          onExported: (n) => self.spansExported.inc(n),
          onRetry: () => self.spanExportRetries.inc(),
          onDropped: (reason, n) => self.spansDropped.inc({ reason }, n),
          onError: (error) => errors.report('span-export', error),
        },
      ),
    );
  }
  const sampler =
    options.sampleRatio !== undefined
      ? buildSampler('parentbased_traceidratio', options.sampleRatio)
      : buildSampler(otel.sampler, otel.samplerRatio);
  const provider = otel.sdkDisabled
    ? undefined
    : new BasicTracerProvider({
        resource: buildResource({
          service: options.service,
          version: options.version ?? env.npm_package_version,
          namespace: options.namespace,
          envAttributes: otel.resourceAttributes,
          env,
        }),
        sampler,
        spanLimits: {
          attributeValueLengthLimit: otel.attributeValueLengthLimit,
          attributeCountLimit: otel.attributeCountLimit,
        },
        spanProcessors,
      });
  if (provider) trace.setGlobalTracerProvider(provider);
  const tracer = trace.getTracer('@opsight/telemetry', '0.1.0');

  const hooks: (() => unknown)[] = [];
  let shuttingDown: Promise<void> | undefined;
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    void runtime.shutdown().finally(() => process.exit(0));
  };

  const runtime: TelemetryRuntime = {
    service: options.service,
    logger,
    metrics,
    tracer,
    self,
    errors,
    onShutdown(hook) {
      hooks.push(hook);
    },
    async forceFlush() {
      await withDeadline(provider?.forceFlush() ?? Promise.resolve(), 5_000).catch((error) =>
        errors.report('flush', error),
      );
      if (stdout) await stdout.flush(2_000);
      else await flushDestination(destination, 2_000);
    },
    shutdown() {
      shuttingDown ??= (async () => {
        for (const hook of hooks.reverse()) {
          try {
            await withDeadline(Promise.resolve(hook()), 10_000);
          } catch (error) {
            logger.error({ error }, 'shutdown hook failed');
          }
        }
        await withDeadline(provider?.shutdown() ?? Promise.resolve(), 5_000).catch((error) =>
          errors.report('shutdown', error),
        );
        if (stdout) await stdout.flush(2_000);
        else await flushDestination(destination, 2_000);
        for (const signal of signals) process.off(signal, onSignal);
        trace.disable();
        propagation.disable();
        context.disable();
        if (current === runtime) current = undefined;
      })();
      return shuttingDown;
    },
  };
  if (options.handleSignals ?? true) for (const signal of signals) process.once(signal, onSignal);
  current = runtime;
  if (options.instrumentFetch ?? true) instrumentFetch(runtime);
  return runtime;
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
