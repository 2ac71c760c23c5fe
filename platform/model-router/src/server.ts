import * as grpc from '@grpc/grpc-js';
import { REQUEST_CONTEXT_METADATA } from '@opsight/contracts/chat';
import { getTelemetry, grpcServerInterceptor, type Telemetry } from '@opsight/telemetry';
import { type AdminServer, startAdminServer } from '@opsight/telemetry/admin';
import type { RoutingConfig } from './config/routing-config.js';
import { type GenerateRequestMessage, toUpstreamRequest } from './internal/generate-request.js';
import { loadModelRouterProto } from './internal/proto.js';
import { RouterError, type RouterErrorCode } from './internal/router-error.js';
import { Router } from './router.js';

/** Codes of requests the router failed to serve through no fault of the caller. */
const SERVER_FAILURES: ReadonlySet<RouterErrorCode> = new Set([
  'BACKEND_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_ERROR',
]);

export interface RouterServerOptions {
  config: RoutingConfig;
  /** gRPC listen host. @default '127.0.0.1' */
  host?: string;
  /** gRPC port; 0 for an ephemeral one. @default 50051 */
  port?: number;
  /**
   * Port of the admin server: `/metrics`, `/healthz`, and `/readyz` (alias `/ready`, 503 until the first
   * round of backend health checks); 0 for ephemeral, null for none.
   * @default null
   */
  metricsPort?: number | null;
  /** Listen host of the metrics server. @default the gRPC host */
  metricsHost?: string;
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /** The proto file. @default `protoFile('model_router.proto')` of @opsight/contracts */
  protoPath?: string;
}

export interface RouterServer {
  router: Router;
  /** Bound gRPC port. */
  port: number;
  /** Bound metrics port, if any. */
  metricsPort: number | undefined;
  /** Stops health checks, then both servers (open calls are cancelled). */
  close(): Promise<void>;
}

/** Starts the ModelRouter gRPC service (with the SDK's server interceptor) and its metrics endpoint. */
export async function startRouterServer(options: RouterServerOptions): Promise<RouterServer> {
  const telemetry = options.telemetry ?? getTelemetry();
  const log = telemetry.logger;
  const router = new Router(options.config, log, { metrics: telemetry.metrics });
  const { service } = loadModelRouterProto(options.protoPath);
  // channelz (grpc-js's per-call introspection) is off: it costs every call and nothing here reads it.
  const server = new grpc.Server({
    interceptors: [grpcServerInterceptor(telemetry)],
    'grpc.enable_channelz': 0,
  });

  type Call = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;
  /** The request context api-service sent in metadata (never in the message): ids for the log lines. */
  const contextOf = (call: Call): { request_id: string | undefined; user_id: string | undefined } => {
    const value = (key: string) => {
      const v = call.metadata.get(key)[0];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    return {
      request_id: value(REQUEST_CONTEXT_METADATA.requestId),
      user_id: value(REQUEST_CONTEXT_METADATA.userId),
    };
  };
  /** The request id goes on to model-serving as `x-request-id`, beside the W3C trace context. */
  const headersOf = (context: ReturnType<typeof contextOf>) =>
    context.request_id ? { [REQUEST_CONTEXT_METADATA.requestId]: context.request_id } : undefined;
  const deadlineOf = (call: Call): number | undefined => {
    const d = call.getDeadline();
    const ms = d instanceof Date ? d.getTime() : d;
    return Number.isFinite(ms) ? ms : undefined;
  };
  const cancelSignal = (call: Call): AbortSignal => {
    const controller = new AbortController();
    call.once('cancelled', () => controller.abort(new Error('cancelled')));
    return controller.signal;
  };
  const fail = (
    request: GenerateRequestMessage,
    context: ReturnType<typeof contextOf>,
    error: unknown,
    started: number,
  ): RouterError => {
    const e =
      error instanceof RouterError ? error : new RouterError('UPSTREAM_ERROR', 'internal router error');
    const fields = {
      model_name: router.modelLabel(request.model ?? ''),
      ...context,
      error_code: e.code,
      latency_ms: Math.round(performance.now() - started),
    };
    // ERROR when the router could not serve a valid request (every backend failed, timed out or is
    // down): these are the lines the strategy's `{app="model-router", level="ERROR"}` looks for
    // (docs/architecture.md, 2.3). A bad request, an unknown model or a caller that went away is the
    // caller's doing: WARN. (A single failed try that a retry or fallback recovers is WARN too, in the
    // router.)
    if (e.code === 'CLIENT_CANCELLED') log.warn(fields, 'generation cancelled: the caller went away');
    else if (!(error instanceof RouterError)) log.error({ ...fields, error }, 'generate failed');
    else if (SERVER_FAILURES.has(e.code)) log.error(fields, `generate failed: ${e.message}`);
    else log.warn(fields, `generate failed: ${e.message}`);
    return e;
  };

  const handlers: grpc.UntypedServiceImplementation = {
    async Generate(
      call: grpc.ServerUnaryCall<GenerateRequestMessage, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const started = performance.now();
      const request = call.request;
      const context = contextOf(call);
      try {
        const upstream = toUpstreamRequest(request);
        const result = await router.generate(upstream, {
          deadline: deadlineOf(call),
          signal: cancelSignal(call),
          headers: headersOf(context),
        });
        const c = result.value;
        log.info(
          {
            model_name: result.model,
            backend: result.backend,
            attempts: result.attempts,
            ...context,
            output_tokens: c.usage.completion_tokens,
            latency_ms: Math.round(performance.now() - started),
          },
          'generate routed',
        );
        callback(null, {
          id: c.id,
          model: result.model,
          content: c.content,
          finish_reason: c.finishReason,
          usage: c.usage,
          backend: result.backend,
          time_to_first_token_seconds: c.ttftSeconds ?? (performance.now() - started) / 1000,
        });
      } catch (error) {
        callback(fail(request, context, error, started).toStatus());
      }
    },

    async GenerateStream(call: grpc.ServerWritableStream<GenerateRequestMessage, unknown>) {
      const started = performance.now();
      const request = call.request;
      const context = contextOf(call);
      const signal = cancelSignal(call);
      let tokens = 0;
      try {
        const upstream = toUpstreamRequest(request);
        const result = await router.generateStream(upstream, {
          deadline: deadlineOf(call),
          signal,
          headers: headersOf(context),
        });
        for await (const chunk of result.value) {
          if (signal.aborted) throw new RouterError('CLIENT_CANCELLED', 'the caller went away');
          if (chunk.usage) tokens = chunk.usage.completion_tokens;
          if (!chunk.delta && !chunk.finishReason && !chunk.usage) continue;
          const ok = call.write({
            id: chunk.id,
            model: result.model,
            delta: chunk.delta,
            finish_reason: chunk.finishReason ?? '',
            ...(chunk.usage ? { usage: chunk.usage } : {}),
            backend: result.backend,
          });
          if (!ok) await new Promise((resolve) => call.once('drain', resolve));
        }
        log.info(
          {
            model_name: result.model,
            backend: result.backend,
            attempts: result.attempts,
            ...context,
            output_tokens: tokens,
            latency_ms: Math.round(performance.now() - started),
            stream: true,
          },
          'generate stream routed',
        );
        call.end();
      } catch (error) {
        let e: unknown = error;
        if (signal.aborted) e = new RouterError('CLIENT_CANCELLED', 'the caller went away');
        else if (!(error instanceof RouterError))
          e = new RouterError(
            (error as { kind?: string }).kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
            `the backend stream failed: ${(error as Error).message}`,
          );
        const status = fail(request, context, e, started).toStatus();
        // grpc-js sends an error emitted on a server stream as the call's status.
        if (!call.cancelled) call.emit('error', status);
      }
    },

    ListModels(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      callback(null, {
        models: router.models().map((m) => ({
          id: m.id,
          owned_by: 'opsight',
          created: router.created,
          available: m.available,
        })),
      });
    },
  };
  server.addService(service, handlers);

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${host}:${options.port ?? 50051}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );

  let admin: AdminServer | undefined;
  if (options.metricsPort !== undefined && options.metricsPort !== null) {
    let ready = false;
    void router.health.firstRound.then(() => {
      ready = true;
    });
    admin = await startAdminServer(
      {
        metrics: telemetry.metrics,
        ready: { backends: () => ready },
        routes: { '/ready': 'ready' },
        // The answer says nothing of the failure; the error is in the log line.
        onError: (error, path) =>
          log.error({ error_code: 'INTERNAL_ERROR', error }, `rendering ${path} failed`),
      },
      { port: options.metricsPort, host: options.metricsHost ?? host },
    );
  }

  return {
    router,
    port,
    metricsPort: admin?.port,
    async close() {
      router.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await admin?.close();
    },
  };
}
