import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { httpServerRequestDurationSeconds, httpServerRequestsTotal } from '@opsight/catalog';
import { bindCounter, bindHistogram, MetricsRegistry } from '@opsight/telemetry';

/** CPU microseconds of each part of an instrumented request, measured in process, one at a time. */
export interface BudgetParts {
  /** Start and end a server span with the attributes the HTTP path sets, sampled. */
  spanSampled: number;
  /** The same span, not sampled (10% sampling's common case). */
  spanUnsampled: number;
  /** Encoding one span into an OTLP protobuf export request (batches of 512). */
  otlpEncodePerSpan: number;
  /** The two `http_server_*` metric updates on their bound series, with a trace_id exemplar. */
  metrics: number;
}

function perCall(fn: () => void, calls: number): number {
  for (let i = 0; i < calls / 10; i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / calls;
}

function bestOf(rounds: number, fn: () => number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) best = Math.min(best, fn());
  return best;
}

/**
 * Measures, on the OpenTelemetry SDK the telemetry package uses, what the parts of one instrumented
 * request cost, so the benchmark can set them beside the per-request budget a target leaves.
 */
export function benchBudgetParts(rounds = 3): BudgetParts {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const finished: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => {
      if (finished.length < 512) finished.push(span);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const tracerFor = (ratio: number) =>
    new BasicTracerProvider({
      sampler: new TraceIdRatioBasedSampler(ratio),
      spanProcessors: [collect],
    }).getTracer('bench');
  const sampled = tracerFor(1);
  const unsampled = tracerFor(0);
  const serverSpan = (tracer: ReturnType<typeof tracerFor>) => () => {
    const span = tracer.startSpan('GET /v1/chat', { kind: SpanKind.SERVER });
    if (span.isRecording()) {
      span.setAttribute('http.request.method', 'GET');
      span.setAttribute('url.path', '/v1/chat');
      span.setAttribute('url.scheme', 'http');
      span.setAttribute('http.route', '/v1/chat');
      span.setAttribute('network.protocol.version', '1.1');
      span.setAttribute('client.address', '127.0.0.1');
      span.setAttribute('user_agent.original', 'autocannon');
      span.setAttribute('server.port', 8080);
      span.setAttribute('request_id', 'req-0123456789abcdef');
      span.setAttribute('http.response.status_code', 200);
    }
    span.end();
  };
  const spanSampled = bestOf(rounds, () => perCall(serverSpan(sampled), 100_000));
  const spanUnsampled = bestOf(rounds, () => perCall(serverSpan(unsampled), 100_000));
  const batch = finished.slice(0, 512);
  const otlpEncodePerSpan = bestOf(
    rounds,
    () => perCall(() => ProtobufTraceSerializer.serializeRequest(batch), 200) / batch.length,
  );

  const registry = new MetricsRegistry({ defaultMetrics: false });
  const requests = registry.counter(httpServerRequestsTotal);
  const duration = registry.histogram(httpServerRequestDurationSeconds);
  const spanContext = trace
    .wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    })
    .spanContext();
  const labels = { method: 'GET', route: '/v1/chat', status_class: '2xx' } as const;
  const boundRequests = bindCounter(requests, labels);
  const boundDuration = bindHistogram(duration, labels);
  const metrics = bestOf(rounds, () =>
    perCall(() => {
      boundRequests.inc();
      boundDuration.observe(0.0123, spanContext);
    }, 200_000),
  );
  return { spanSampled, spanUnsampled, otlpEncodePerSpan, metrics };
}
