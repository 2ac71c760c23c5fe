import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  grpcClientHandledTotal,
  grpcClientHandlingSeconds,
  grpcClientMsgReceivedTotal,
  grpcClientMsgSentTotal,
  grpcClientStartedTotal,
  SpanAttr,
} from '@opsight/catalog';
import { getRequestContext } from '../context/request-context.js';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { grpcCodeName } from './grpc-labels.js';
import { grpcSeriesCache } from './grpc-series.js';
import { metadataSetter } from './metadata-carrier.js';

/**
 * gRPC client interceptor (`new Client(addr, creds, { interceptors: [grpcClientInterceptor()] })`): a client
 * span per call, trace context and X-Request-ID in metadata, `grpc_client_*` metrics, and the caller's
 * context restored for response callbacks.
 */
export function grpcClientInterceptor(telemetry?: Telemetry): Interceptor {
  const runtime = runtimeOf(telemetry);
  const tracer = runtime.tracer;
  const seriesOf = grpcSeriesCache({
    started: runtime.metrics.counter(grpcClientStartedTotal),
    handled: runtime.metrics.counter(grpcClientHandledTotal),
    handling: runtime.metrics.histogram(grpcClientHandlingSeconds),
    received: runtime.metrics.counter(grpcClientMsgReceivedTotal),
    sent: runtime.metrics.counter(grpcClientMsgSentTotal),
  });

  return (options, nextCall) => {
    const definition = options.method_definition;
    const series = seriesOf(definition.path, definition.requestStream, definition.responseStream);
    const { service, method } = series;
    const caller = context.active();
    const span = tracer.startSpan(`${service}/${method}`, { kind: SpanKind.CLIENT }, caller);
    if (span.isRecording()) {
      span.setAttribute(SpanAttr.rpcSystem, 'grpc');
      span.setAttribute(SpanAttr.rpcService, service);
      span.setAttribute(SpanAttr.rpcMethod, method);
    }
    series.started.inc();
    const startedAt = performance.now();
    let done = false;

    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        propagation.inject(trace.setSpan(caller, span), metadata, metadataSetter);
        const requestId = getRequestContext(caller)?.requestId;
        if (requestId && metadata.get('x-request-id').length === 0) metadata.set('x-request-id', requestId);
        next(metadata, {
          onReceiveMetadata(md, nextMd) {
            context.with(caller, () => nextMd(md));
          },
          onReceiveMessage(message, nextMessage) {
            series.received.inc();
            context.with(caller, () => nextMessage(message));
          },
          onReceiveStatus(status, nextStatus) {
            if (!done) {
              done = true;
              const codeName = grpcCodeName(status.code);
              if (span.isRecording()) {
                span.setAttribute(SpanAttr.rpcGrpcStatusCode, status.code);
                if (status.code !== 0) {
                  span.setAttribute(SpanAttr.errorType, codeName);
                  span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
                }
              }
              span.end();
              series.handled(codeName).inc();
              series.handling.observe((performance.now() - startedAt) / 1000, span.spanContext());
            }
            context.with(caller, () => nextStatus(status));
          },
        });
      },
      sendMessage(message, next) {
        series.sent.inc();
        next(message);
      },
    });
  };
}
