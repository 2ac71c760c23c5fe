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
import { observeWithTrace } from '../metrics/exemplars.js';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { grpcCodeName, grpcTypeOf, splitMethodPath } from './grpc-labels.js';
import { metadataSetter } from './metadata-carrier.js';

/**
 * gRPC client interceptor (`new Client(addr, creds, { interceptors: [grpcClientInterceptor()] })`): a client
 * span per call, trace context and X-Request-ID in metadata, `grpc_client_*` metrics, and the caller's
 * context restored for response callbacks.
 */
export function grpcClientInterceptor(telemetry?: Telemetry): Interceptor {
  const runtime = runtimeOf(telemetry);
  const tracer = runtime.tracer;
  const started = runtime.metrics.counter(grpcClientStartedTotal);
  const handled = runtime.metrics.counter(grpcClientHandledTotal);
  const handling = runtime.metrics.histogram(grpcClientHandlingSeconds);
  const received = runtime.metrics.counter(grpcClientMsgReceivedTotal);
  const sent = runtime.metrics.counter(grpcClientMsgSentTotal);

  return (options, nextCall) => {
    const definition = options.method_definition;
    const { service, method } = splitMethodPath(definition.path);
    const labels = {
      grpc_type: grpcTypeOf(definition.requestStream, definition.responseStream),
      grpc_service: service,
      grpc_method: method,
    };
    const caller = context.active();
    const span = tracer.startSpan(`${service}/${method}`, { kind: SpanKind.CLIENT }, caller);
    if (span.isRecording()) {
      span.setAttribute(SpanAttr.rpcSystem, 'grpc');
      span.setAttribute(SpanAttr.rpcService, service);
      span.setAttribute(SpanAttr.rpcMethod, method);
    }
    started.inc(labels);
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
            received.inc(labels);
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
              handled.inc({ ...labels, grpc_code: codeName });
              observeWithTrace(handling, labels, (performance.now() - startedAt) / 1000, span.spanContext());
            }
            context.with(caller, () => nextStatus(status));
          },
        });
      },
      sendMessage(message, next) {
        sent.inc(labels);
        next(message);
      },
    });
  };
}
