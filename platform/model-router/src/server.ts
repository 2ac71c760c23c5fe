import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { guardRequestListener } from '@opsight/http-guard';
import { getTelemetry, grpcServerInterceptor, type Telemetry } from '@opsight/telemetry';
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
  /** Port of the HTTP server for `/metrics`, `/healthz` and `/ready`; 0 for ephemeral, null for none. @default null */
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

  const headersOf = (request: GenerateRequestMessage) =>
    request.request_id ? { 'x-request-id': request.request_id } : undefined;
  const deadlineOf = (
    call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  ): number | undefined => {
    const d = call.getDeadline();
    const ms = d instanceof Date ? d.getTime() : d;
    return Number.isFinite(ms) ? ms : undefined;
  };
  const cancelSignal = (
    call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  ): AbortSignal => {
    const controller = new AbortController();
    call.once('cancelled', () => controller.abort(new Error('cancelled')));
    return controller.signal;
  };
  const fail = (request: GenerateRequestMessage, error: unknown, started: number): RouterError => {
    const e =
      error instanceof RouterError ? error : new RouterError('UPSTREAM_ERROR', 'internal router error');
    const fields = {
      model_name: router.modelLabel(request.model ?? ''),
      request_id: request.request_id || undefined,
      user_id: request.user_id || undefined,
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
      try {
        const upstream = toUpstreamRequest(request);
        const result = await router.generate(upstream, {
          deadline: deadlineOf(call),
          signal: cancelSignal(call),
          headers: headersOf(request),
        });
        const c = result.value;
        log.info(
          {
            model_name: result.model,
            backend: result.backend,
            attempts: result.attempts,
            request_id: request.request_id || undefined,
            user_id: request.user_id || undefined,
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
        callback(fail(request, error, started).toStatus());
      }
    },

    async GenerateStream(call: grpc.ServerWritableStream<GenerateRequestMessage, unknown>) {
      const started = performance.now();
      const request = call.request;
      const signal = cancelSignal(call);
      let tokens = 0;
      try {
        const upstream = toUpstreamRequest(request);
        const result = await router.generateStream(upstream, {
          deadline: deadlineOf(call),
          signal,
          headers: headersOf(request),
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
            request_id: request.request_id || undefined,
            user_id: request.user_id || undefined,
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
        const status = fail(request, e, started).toStatus();
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

  let http: HttpServer | undefined;
  if (options.metricsPort !== undefined && options.metricsPort !== null) {
    let ready = false;
    void router.health.firstRound.then(() => {
      ready = true;
    });
    // Host checked (DNS rebinding), writes refused: @opsight/http-guard.
    http = createServer(
      guardRequestListener((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/metrics') {
          telemetry.metrics.render(req.headers.accept).then(
            (e) => res.writeHead(200, { 'content-type': e.contentType }).end(e.body),
            // The answer says nothing of the failure; the error is in the log line.
            (error: unknown) => {
              log.error({ error_code: 'INTERNAL_ERROR', error }, 'rendering /metrics failed');
              res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
            },
          );
        } else if (path === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        else if (path === '/ready')
          res
            .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
            .end(ready ? 'ready\n' : 'checking backends\n');
        else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }),
    );
    await new Promise<void>((resolve, reject) => {
      http!.once('error', reject);
      http!.listen(options.metricsPort!, options.metricsHost ?? host, () => resolve());
    });
  }

  return {
    router,
    port,
    metricsPort: http ? (http.address() as AddressInfo).port : undefined,
    async close() {
      router.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (http) {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http!.close(() => resolve()));
      }
    },
  };
}
