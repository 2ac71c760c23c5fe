import { Readable } from 'node:stream';
import type { Logger, RecordInference } from '@opsight/telemetry';
import type { FastifyReply } from 'fastify';
import type { ChatRequest } from './chat-request.js';
import { ServingError } from './errors.js';

/** An OpenAI-compatible upstream (vLLM, OpenAI, …) that model-serving forwards to. */
export interface UpstreamOptions {
  /** Base URL including the API version path, as OpenAI clients take it: `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never logged. @default none */
  apiKey?: string;
  /** A request not answered (or a stream not finished) within this long fails with 504. @default 300000 */
  timeoutMs?: number;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

interface ProxyContext {
  upstream: UpstreamOptions;
  chat: ChatRequest;
  /** The client's body: forwarded as it came, so that fields the simulator ignores still reach the model. */
  body: Record<string, unknown>;
  reply: FastifyReply;
  signal: AbortSignal;
  startedAt: number;
  record: RecordInference;
  log: Logger;
}

/**
 * Forwards one chat completion to the upstream and records it like a simulated one: non-stream answers
 * are relayed as they came; streams are relayed chunk by chunk (usage asked for with
 * `stream_options.include_usage`), the first content chunk giving the time to first token.
 */
export async function proxyCompletion(ctx: ProxyContext): Promise<FastifyReply> {
  const { upstream, chat, reply, log } = ctx;
  const timeoutMs = upstream.timeoutMs ?? 300_000;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  const elapsed = () => (performance.now() - ctx.startedAt) / 1000;
  const fail = (reason: string, error: ServingError | undefined, detail: string): never | FastifyReply => {
    ctx.record({ model: chat.model, outcome: 'failure', reason, latency: elapsed() });
    const fields = { model_name: chat.model, latency_ms: Math.round(elapsed() * 1000), stream: chat.stream };
    if (reason === 'canceled') {
      log.warn(fields, 'inference cancelled: client went away');
      return reply;
    }
    log.warn({ ...fields, error_code: error?.code, error: detail }, `upstream inference failed: ${reason}`);
    if (error) throw error;
    return reply;
  };
  const body = chat.stream
    ? { ...ctx.body, stream: true, stream_options: { include_usage: true } }
    : { ...ctx.body, stream: false };
  let response: Response;
  try {
    response = await fetch(`${upstream.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    return failure(error);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    // The upstream's 4xx answers name what the client got wrong and are relayed; but 401 and 403 are about
    // this service's own key (the body may quote part of it), so they are an upstream failure to the client.
    const clientError = response.status !== 401 && response.status !== 403 && response.status !== 429;
    if (response.status >= 400 && response.status < 500 && clientError) {
      fail('invalid_request', undefined, `status ${response.status}`);
      return reply.code(response.status).type('application/json').send(text);
    }
    return fail(
      response.status === 429 ? 'rate_limited' : 'upstream_error',
      new ServingError('UPSTREAM_ERROR', `the upstream answered ${response.status}`),
      `status ${response.status}: ${text.slice(0, 200)}`,
    );
  }

  if (!chat.stream) {
    let answer: { usage?: Usage };
    try {
      answer = (await response.json()) as { usage?: Usage };
    } catch (error) {
      return failure(error);
    }
    const latency = elapsed();
    ctx.record({
      model: chat.model,
      outcome: 'success',
      latency,
      ttft: latency,
      inputTokens: answer.usage?.prompt_tokens,
      outputTokens: answer.usage?.completion_tokens,
    });
    log.info(
      {
        model_name: chat.model,
        latency_ms: Math.round(latency * 1000),
        output_tokens: answer.usage?.completion_tokens,
      },
      'inference completed',
    );
    return reply.send(answer);
  }

  const upstreamBody = response.body;
  if (!upstreamBody)
    return fail('upstream_error', new ServingError('UPSTREAM_ERROR', 'the upstream sent no body'), '');
  const state: { ttft?: number; usage?: Usage; chunks: number } = { chunks: 0 };
  async function* relay(): AsyncGenerator<Uint8Array> {
    const decoder = new TextDecoder();
    let buffer = '';
    let ok = false;
    try {
      for await (const bytes of upstreamBody as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(bytes, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const data = buffer.slice(0, end).replace(/^data:\s*/gm, '');
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (data === '[DONE]') ok = true;
          else inspect(data);
        }
        yield bytes;
      }
      if (!ok) throw new Error('the upstream stream ended before [DONE]');
      const latency = elapsed();
      ctx.record({
        model: chat.model,
        outcome: 'success',
        latency,
        ttft: state.ttft ?? latency,
        inputTokens: state.usage?.prompt_tokens,
        outputTokens: state.usage?.completion_tokens ?? state.chunks,
      });
      log.info(
        { model_name: chat.model, latency_ms: Math.round(latency * 1000), stream: true },
        'inference completed',
      );
    } catch (error) {
      if (ctx.signal.aborted) fail('canceled', undefined, '');
      else fail(signal.aborted ? 'timeout' : 'upstream_error', undefined, (error as Error).message);
      throw error;
    }
  }
  function inspect(data: string): void {
    try {
      const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; usage?: Usage };
      if (chunk.usage) state.usage = chunk.usage;
      if (chunk.choices?.[0]?.delta?.content) {
        state.chunks++;
        state.ttft ??= elapsed();
      }
    } catch {
      // Relayed as it came; only the metrics miss it.
    }
  }
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .send(Readable.from(relay(), { objectMode: false }));

  function failure(error: unknown): never | FastifyReply {
    if (ctx.signal.aborted) return fail('canceled', undefined, '');
    if (signal.aborted)
      return fail('timeout', new ServingError('MODEL_TIMEOUT', 'the upstream did not answer in time'), '');
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return fail(
      'upstream_error',
      new ServingError('UPSTREAM_ERROR', 'the upstream cannot be reached'),
      String(cause),
    );
  }
}
