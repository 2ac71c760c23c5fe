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
import { observeWithTrace } from '../metrics/exemplars.js';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { grpcCodeName, grpcTypeOf, isServerError, splitMethodPath } from './grpc-labels.js';
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
  const started = runtime.metrics.counter(grpcServerStartedTotal);
  const handled = runtime.metrics.counter(grpcServerHandledTotal);
  const handling = runtime.metrics.histogram(grpcServerHandlingSeconds);
  const received = runtime.metrics.counter(grpcServerMsgReceivedTotal);
  const sent = runtime.metrics.counter(grpcServerMsgSentTotal);

  return (descriptor, call) => {
    const { service, method } = splitMethodPath(descriptor.path);
    const labels = {
      grpc_type: grpcTypeOf(descriptor.requestStream, descriptor.responseStream),
      grpc_service: service,
      grpc_method: method,
    };
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
      handled.inc({ ...labels, grpc_code: codeName });
      observeWithTrace(handling, labels, (performance.now() - startedAt) / 1000, spanContext);
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
            started.inc(labels);
            startedAt = performance.now();
            run(() => nextMetadata(metadata));
          },
          onReceiveMessage(message, nextMessage) {
            received.inc(labels);
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
        sent.inc(labels);
        next(message);
      },
      sendStatus(status, next) {
        finish(status.code ?? 2);
        next(status);
      },
    });
  };
}
