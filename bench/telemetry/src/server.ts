// One benchmark server: a Fastify handler returning a small JSON, served one of these ways (argv[2]):
//   bare            Fastify alone
//   als             Fastify with each request run inside an OpenTelemetry context (AsyncLocalStorage)
//   otel-stock      OpenTelemetry NodeSDK + instrumentation-http, OTLP/HTTP protobuf export
//   opsight         @opsight/telemetry: fastify plugin (span, metrics), one log line per request
//                   (BENCH_LOG=0: no log line; BENCH_EXPORT_THREAD=worker: spans encoded and sent
//                   in a worker thread)
// Sampling comes from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, the exporter from OTEL_* as well.
// Tells the parent its port over IPC.
import type { AddressInfo } from 'node:net';

const variant = process.argv[2] ?? 'bare';
const payload = { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o', usage: { total_tokens: 42 } };

async function main(): Promise<void> {
  let onRequest: (() => void) | undefined;
  let register: ((app: import('fastify').FastifyInstance) => Promise<void>) | undefined;
  if (variant === 'otel-stock') {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    const sdk = new NodeSDK({ instrumentations: [new HttpInstrumentation()] });
    sdk.start();
  } else if (variant === 'opsight') {
    const { initTelemetry, fastifyTelemetry } = await import('@opsight/telemetry');
    const telemetry = initTelemetry({
      service: 'bench',
      handleSignals: true,
      spanExportThread: process.env.BENCH_EXPORT_THREAD === 'worker' ? 'worker' : 'main',
    });
    register = async (app) => {
      await app.register(fastifyTelemetry);
    };
    if (process.env.BENCH_LOG !== '0') {
      onRequest = () =>
        telemetry.logger.info({ model_name: 'gpt-4o', status: 200 }, 'chat completion served');
    }
  } else if (variant === 'als') {
    // Context propagation alone: the request runs inside context.with(), as with any tracing SDK.
    const { context, createContextKey } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const key = createContextKey('bench');
    register = async (app) => {
      app.addHook('onRequest', (_request, _reply, done) =>
        context.with(context.active().setValue(key, 1), done),
      );
    };
  }
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (register) await register(app);
  app.get('/v1/chat', async () => {
    onRequest?.();
    return payload;
  });
  // Exit (rather than die) on SIGTERM, so that a --cpu-prof profile is written; Opsight handles it itself.
  if (variant !== 'opsight') process.once('SIGTERM', () => process.exit(0));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

void main();
