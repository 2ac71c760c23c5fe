import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  grpcServerHandledTotal,
  grpcServerHandlingSeconds,
  grpcServerMsgReceivedTotal,
  grpcServerMsgSentTotal,
  grpcServerStartedTotal,
  SpanAttr,
} from '@opsight/catalog';
import { newRequestContext, withRequestContext } from '../context/request-context.js';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { grpcCodeName, isServerError } from './grpc-labels.js';
import { grpcSeriesCache } from './grpc-series.js';
import { metadataGetter } from './metadata-carrier.js';

const CANCELLED = 1;

/**
 * gRPC server interceptor (`new grpc.Server({ interceptors: [grpcServerInterceptor()] })`): a server span
 * per call with rpc.* attributes and the caller's trace context from metadata, the request context for
 * the handler, and the go-grpc-prometheus `grpc_server_*` families for all four call types.
 */
export function grpcServerInterceptor(telemetry?: Telemetry): ServerInterceptor {
  const runtime = runtimeOf(telemetry);
  const tracer = runtime.tracer;
  const seriesOf = grpcSeriesCache({
    started: runtime.metrics.counter(grpcServerStartedTotal),
    handled: runtime.metrics.counter(grpcServerHandledTotal),
    handling: runtime.metrics.histogram(grpcServerHandlingSeconds),
    received: runtime.metrics.counter(grpcServerMsgReceivedTotal),
    sent: runtime.metrics.counter(grpcServerMsgSentTotal),
  });

  return (descriptor, call) => {
    const series = seriesOf(descriptor.path, descriptor.requestStream, descriptor.responseStream);
    const { service, method } = series;
    let span: Span | undefined;
    let ctx: Context = ROOT_CONTEXT;
    let startedAt = 0;
    let done = false;
    const run = <T>(fn: () => T): T => context.with(ctx, fn);

    const finish = (code: number): void => {
      if (done || !span) return;
      done = true;
      const codeName = grpcCodeName(code);
      const spanContext = span.spanContext();
      if (span.isRecording()) {
        span.setAttribute(SpanAttr.rpcGrpcStatusCode, code);
        if (isServerError(code)) {
          span.setAttribute(SpanAttr.errorType, codeName);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      span.end();
      series.handled(codeName).inc();
      series.handling.observe((performance.now() - startedAt) / 1000, spanContext);
    };

    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const parent = metadata.get('traceparent').length
              ? propagation.extract(ROOT_CONTEXT, metadata, metadataGetter)
              : ROOT_CONTEXT;
            span = tracer.startSpan(`${service}/${method}`, { kind: SpanKind.SERVER }, parent);
            if (span.isRecording()) {
              span.setAttribute(SpanAttr.rpcSystem, 'grpc');
              span.setAttribute(SpanAttr.rpcService, service);
              span.setAttribute(SpanAttr.rpcMethod, method);
            }
            const request = newRequestContext(metadata.get('x-request-id')[0]);
            ctx = withRequestContext(trace.setSpan(parent, span), request);
            series.started.inc();
            startedAt = performance.now();
            run(() => nextMetadata(metadata));
          },
          onReceiveMessage(message, nextMessage) {
            series.received.inc();
            run(() => nextMessage(message));
          },
          onReceiveHalfClose(nextHalfClose) {
            run(nextHalfClose);
          },
          onCancel() {
            finish(CANCELLED);
          },
        });
      },
      sendMessage(message, next) {
        series.sent.inc();
        next(message);
      },
      sendStatus(status, next) {
        finish(status.code ?? 2);
        next(status);
      },
    });
  };
}
