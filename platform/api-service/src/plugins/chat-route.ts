import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { chatRequestToProto, messageText } from '@opsight/contracts/chat';
import { currentRequestId } from '@opsight/telemetry';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, errorBody } from '../error-catalogue.js';
import { chatChunk, chatCompletion } from '../internal/http/chat-answer.js';
import { type ChatRequest, parseChatRequest } from '../internal/http/chat-request.js';
import type { KnownModels } from '../internal/known-models.js';
import type { CachedCompletion } from '../internal/redis/response-cache.js';
import {
  apiErrorFromGrpc,
  type GenerateChunk,
  type GenerateRequest,
  type GenerateResponse,
  type RequestContext,
} from '../router/model-router-client.js';
import { type ApiCall, CHAT_ROUTE } from './api-call.js';
import { traceIdOf } from './error-handling.js';

/** What the chat route asks of the model router. */
export interface ChatRouter {
  /** One answer. */
  generate(request: GenerateRequest, context?: RequestContext): Promise<GenerateResponse>;
  /** A stream of chunks; `cancel()` ends it when the client goes away. */
  generateStream(
    request: GenerateRequest,
    context?: RequestContext,
  ): Pick<ClientReadableStream<GenerateChunk>, 'on' | 'cancel'>;
}

/** Options of {@link chatRoutePlugin}. */
export interface ChatRoutePluginOptions {
  /** The model router. */
  router: ChatRouter;
  /** The routed models; an answered model joins them. */
  models: KnownModels;
  /** Keep prompt and completion text for the call's log line. */
  logContent: boolean;
}

const plugin: FastifyPluginAsync<ChatRoutePluginOptions> = async (app, options) => {
  const { router, models, logContent } = options;

  app.post(CHAT_ROUTE, async (request, reply) => {
    const call = request.apiCall!;
    const chat = parseChatRequest(request.body);
    call.model = chat.model;
    call.stream = chat.stream;
    if (logContent) call.prompt = chat.messages.map((m) => `${m.role}: ${messageText(m)}`).join('\n');
    const grpcRequest: GenerateRequest = chatRequestToProto(chat);
    const context: RequestContext = { userId: call.key!.userId };
    if (chat.stream) return streamCompletion(app, reply, call, chat, grpcRequest, context, options);

    // Everything the answer depends on is in the router's request (temperature is 0 for every cached one).
    const cached =
      chat.temperature === 0 ? await app.lookupCompletion(grpcRequest, call.key!.userId) : undefined;
    if (cached?.hit) {
      call.cached = true;
      return answer(reply, call, cached.hit, `chatcmpl-${randomUUID()}`);
    }
    const response = await router.generate(grpcRequest, context);
    const completion: CachedCompletion = {
      model: response.model || chat.model,
      content: response.content,
      finishReason: response.finish_reason || 'stop',
      promptTokens: response.usage?.prompt_tokens ?? 0,
      completionTokens: response.usage?.completion_tokens ?? 0,
    };
    models.add(chat.model);
    cached?.store(completion);
    return answer(reply, call, completion, response.id || `chatcmpl-${randomUUID()}`);
  });

  function answer(reply: FastifyReply, call: ApiCall, c: CachedCompletion, id: string) {
    call.answeredModel = c.model;
    call.promptTokens = c.promptTokens;
    call.completionTokens = c.completionTokens;
    if (logContent) call.completion = c.content;
    app.spendTokens(call);
    void reply.header('x-opsight-cache', call.cached ? 'hit' : 'miss');
    return chatCompletion(id, c);
  }
};

/**
 * Streams the router's chunks as server-sent events. The HTTP status is chosen when the first chunk
 * (or the error) arrives, so a failure before any token is an ordinary error answer; a failure after
 * is an `error` event. When the client goes away, the gRPC stream is cancelled.
 */
function streamCompletion(
  app: FastifyInstance,
  reply: FastifyReply,
  call: ApiCall,
  chat: ChatRequest,
  grpcRequest: GenerateRequest,
  context: RequestContext,
  options: ChatRoutePluginOptions,
): Promise<FastifyReply> {
  const { router, models, logContent } = options;
  const stream = router.generateStream(grpcRequest, context);
  const out = new PassThrough();
  const created = Math.floor(Date.now() / 1000);
  let id = `chatcmpl-${randomUUID()}`;
  let started = false;
  let finished = false;
  const content: string[] = [];
  return new Promise((resolve, reject) => {
    // The response closes early only when the client went away (it closes after the last byte too).
    reply.raw.on('close', () => {
      if (finished) return;
      finished = true;
      call.errorCode = 'CLIENT_CANCELLED';
      stream.cancel();
      out.destroy();
      // Fastify reports neither onResponse nor an abort for a response the client left half-read.
      app.finishCall(call, 499);
      if (!started) reject(new ApiError('CLIENT_CANCELLED', 'the client went away'));
    });
    const start = () => {
      if (started) return;
      started = true;
      void reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(out);
      resolve(reply);
    };
    stream.on('data', (chunk: GenerateChunk) => {
      if (finished) return;
      const first = !started;
      if (chunk.id) id = chunk.id;
      start();
      const model = chunk.model || chat.model;
      call.answeredModel = model;
      if (logContent) content.push(chunk.delta);
      if (chunk.finish_reason) {
        call.promptTokens = chunk.usage?.prompt_tokens ?? 0;
        call.completionTokens = chunk.usage?.completion_tokens ?? 0;
      }
      out.write(chatChunk(id, created, model, chunk, first));
    });
    stream.on('error', (error: Error) => {
      if (finished) return;
      const apiError = apiErrorFromGrpc(error as Parameters<typeof apiErrorFromGrpc>[0]);
      call.errorCode = apiError.code;
      if (!started) {
        finished = true;
        reject(apiError);
        return;
      }
      finished = true;
      out.end(`data: ${JSON.stringify(errorBody(apiError, traceIdOf(call.ctx), currentRequestId()))}\n\n`);
    });
    stream.on('end', () => {
      if (finished) return;
      start();
      finished = true;
      models.add(chat.model);
      if (logContent) call.completion = content.join('');
      app.spendTokens(call);
      out.end('data: [DONE]\n\n');
    });
  });
}

/**
 * `POST /v1/chat/completions`: checks the body, answers deterministic requests from the response cache,
 * otherwise asks the model router, as one JSON answer or as server-sent events (`stream: true`).
 */
export const chatRoutePlugin = fp(plugin, {
  name: 'api-chat-route',
  fastify: '5.x',
  dependencies: ['api-auth', 'api-limits', 'api-response-cache', 'api-usage'],
  decorators: { fastify: ['spendTokens', 'lookupCompletion', 'finishCall'], request: ['apiCall'] },
});
