import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { chatRequestFromProto, messageText, parseChatRequest } from '@opsight/contracts/chat';
import {
  type GenerateChunk,
  type GenerateRequest,
  type GenerateResponse,
  loadModelRouterService,
} from '../../src/index.js';

/**
 * An in-process model router implementing proto/model_router.proto for tests. Models:
 * - `sim-small`, `sim-large`: answer "echo: <last message>" (stream: one chunk per word);
 * - `missing`: NOT_FOUND / MODEL_NOT_FOUND; `down`: UNAVAILABLE / BACKEND_UNAVAILABLE;
 * - `slow`: answers after 5 s (beyond the client's deadline); `broken`: INTERNAL / UPSTREAM_ERROR;
 * - `endless` (stream only): a chunk every 10 ms until the call is cancelled;
 * - `flaky` (stream only): one chunk, then INTERNAL / UPSTREAM_ERROR;
 * - `refused`: INVALID_ARGUMENT / INVALID_REQUEST naming `messages[0].content` in `opsight-error-param`.
 * Requests are decoded as the real router decodes them (the contracts' mapping back from the proto).
 */
type Decoded = GenerateRequest & { model: string };
export class FakeModelRouter {
  readonly server = new Server();
  port = 0;
  /** Requests received by Generate and GenerateStream. */
  readonly requests: { method: string; request: Decoded; metadata: Metadata }[] = [];
  /** Streams whose caller cancelled them. */
  cancelled = 0;

  constructor() {
    const Service = loadModelRouterService();
    this.server.addService(Service.service, {
      Generate: (call: ServerUnaryCall<Decoded, GenerateResponse>, cb: sendUnaryData<GenerateResponse>) => {
        this.requests.push({ method: 'Generate', request: call.request, metadata: call.metadata });
        const failure = this.#failure(call.request.model);
        if (failure) return cb(failure);
        if (call.request.model === 'slow') {
          const timer = setTimeout(() => cb(null, this.#answer(call.request)), 5000);
          call.on('cancelled', () => clearTimeout(timer));
          return;
        }
        cb(null, this.#answer(call.request));
      },
      GenerateStream: (call: ServerWritableStream<Decoded, GenerateChunk>) => {
        this.requests.push({ method: 'GenerateStream', request: call.request, metadata: call.metadata });
        call.on('cancelled', () => {
          this.cancelled++;
        });
        const failure = this.#failure(call.request.model);
        if (failure) return void call.emit('error', failure);
        const base = {
          id: 'gen-1',
          model: call.request.model,
          backend: 'fake-0',
          finish_reason: '',
          usage: null,
        };
        if (call.request.model === 'flaky') {
          call.write({ ...base, delta: 'partial ' });
          const failure = Object.assign(new Error('backend crashed'), {
            code: status.INTERNAL,
            details: 'backend crashed',
            metadata: new Metadata(),
          });
          failure.metadata.set('opsight-error-code', 'UPSTREAM_ERROR');
          setTimeout(() => call.emit('error', failure), 5);
          return;
        }
        if (call.request.model === 'endless') {
          const timer = setInterval(() => {
            if (call.cancelled) return clearInterval(timer);
            call.write({ ...base, delta: 'tick ' });
          }, 10);
          call.on('cancelled', () => clearInterval(timer));
          return;
        }
        const answer = this.#answer(call.request);
        for (const word of answer.content.split(/(?<= )/)) call.write({ ...base, delta: word });
        call.write({ ...base, delta: '', finish_reason: 'stop', usage: answer.usage });
        call.end();
      },
      ListModels: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        cb(null, {
          models: ['sim-small', 'sim-large'].map((id) => ({
            id,
            owned_by: 'opsight',
            created: 1700000000,
            available: true,
          })),
        });
      },
    });
  }

  #failure(model: string) {
    const fail = (code: status, opsightCode: string, details: string, param?: string) => {
      const metadata = new Metadata();
      metadata.set('opsight-error-code', opsightCode);
      if (param) metadata.set('opsight-error-param', param);
      return Object.assign(new Error(details), { code, details, metadata });
    };
    if (model === 'refused')
      return fail(
        status.INVALID_ARGUMENT,
        'INVALID_REQUEST',
        'messages[0].content: refused by the router',
        'messages[0].content',
      );
    if (model === 'missing')
      return fail(status.NOT_FOUND, 'MODEL_NOT_FOUND', `no route for model "${model}"`);
    if (model === 'down') return fail(status.UNAVAILABLE, 'BACKEND_UNAVAILABLE', 'every backend is down');
    if (model === 'broken') return fail(status.INTERNAL, 'UPSTREAM_ERROR', 'backend answered 500');
    return undefined;
  }

  #answer(request: Decoded): GenerateResponse {
    const texts = parseChatRequest(chatRequestFromProto(request)).messages.map(messageText);
    const content = `echo: ${texts.at(-1) ?? ''}`;
    const prompt = texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
    const completion = content.split(/\s+/).filter(Boolean).length;
    return {
      id: 'gen-1',
      model: request.model,
      content,
      finish_reason: 'stop',
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      backend: 'fake-0',
      time_to_first_token_seconds: 0,
    };
  }

  async start(): Promise<string> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return `127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.tryShutdown(() => resolve());
      setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000).unref();
    });
  }
}
