import type { ChatRequest } from '@opsight/contracts/chat';
import { type Dispatcher, Pool } from 'undici';

/**
 * A chat request as sent to model-serving: OpenAI's body as the contracts schema checked it, less the
 * fields the edge keeps (`stream` is set per call).
 */
export type UpstreamRequest = Omit<ChatRequest, 'stream' | 'stream_options' | 'user'>;

export interface UpstreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface UpstreamCompletion {
  id: string;
  model: string;
  content: string;
  finishReason: string;
  usage: UpstreamUsage;
  /** From the `x-opsight-ttft-seconds` header, when the backend sets it. */
  ttftSeconds?: number;
}

export interface UpstreamChunk {
  id: string;
  model: string;
  delta: string;
  finishReason?: string;
  usage?: UpstreamUsage;
}

/**
 * How a try failed. `retryable`: another backend may succeed (connection refused, 5xx, 404 model not
 * served there, malformed answer). `status`: the HTTP status, when one came.
 */
export class UpstreamFailure extends Error {
  override readonly name = 'UpstreamFailure';
  constructor(
    message: string,
    readonly kind: 'connect' | 'status' | 'malformed' | 'timeout' | 'aborted',
    readonly status?: number,
  ) {
    super(message);
  }

  /** A failure of the backend (counts against its breaker), not of the request or the caller. */
  get backendFault(): boolean {
    return (
      this.kind !== 'aborted' &&
      !(
        this.kind === 'status' &&
        this.status !== undefined &&
        this.status < 500 &&
        this.status !== 404 &&
        this.status !== 429
      )
    );
  }
}

/** The answer of a backend: status, lower-case headers and the body stream. */
type UpstreamResponse = Dispatcher.ResponseData;

/**
 * One keep-alive connection pool per backend origin. undici's `request` instead of `fetch`: on this path
 * (one call per completion) fetch's WHATWG streams and Response objects cost about 3× the CPU and add
 * ~0.3 ms to every call. Both publish the same undici diagnostics channels, so client spans and trace
 * context injection are the same.
 */
const pools = new Map<string, { pool: Pool; path: string }>();
function poolFor(url: string): { pool: Pool; path: string } {
  let entry = pools.get(url);
  if (!entry) {
    const target = new URL(`${url.replace(/\/+$/, '')}/v1/chat/completions`);
    entry = {
      pool: new Pool(target.origin, { connections: 64, keepAliveTimeout: 30_000 }),
      path: target.pathname,
    };
    pools.set(url, entry);
  }
  return entry;
}

/** Closes every backend connection pool (at shutdown). */
export async function closeUpstreamPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.pool.close()));
}

async function post(
  url: string,
  body: UpstreamRequest & { stream: boolean },
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  let response: UpstreamResponse;
  const { pool, path } = poolFor(url);
  try {
    response = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    throw classify(error, signal);
  }
  if (response.statusCode < 200 || response.statusCode > 299) {
    let message = `status ${response.statusCode}`;
    try {
      const e = (await response.body.json()) as { error?: { code?: string; message?: string } };
      if (e.error?.message) message = `${response.statusCode} ${e.error.code ?? ''}: ${e.error.message}`;
    } catch {
      // The status says enough.
      response.body.destroy();
    }
    throw new UpstreamFailure(message, 'status', response.statusCode);
  }
  return response;
}

/** A header's value (the first, when repeated). */
function header(response: UpstreamResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function classify(error: unknown, signal: AbortSignal): UpstreamFailure {
  if (error instanceof UpstreamFailure) return error;
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    // The backend was marked down while the try waited on it: a backend fault, retried elsewhere.
    if (reason instanceof UpstreamFailure) return reason;
    return reason?.name === 'TimeoutError'
      ? new UpstreamFailure('the backend did not answer in time', 'timeout')
      : new UpstreamFailure('the call was cancelled', 'aborted');
  }
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const reason = e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(error);
  return new UpstreamFailure(`cannot reach the backend: ${reason}`, 'connect');
}

const isUsage = (u: unknown): u is UpstreamUsage =>
  typeof u === 'object' && u !== null && typeof (u as UpstreamUsage).completion_tokens === 'number';

/** One non-stream completion. Throws {@link UpstreamFailure}. */
export async function complete(
  url: string,
  request: UpstreamRequest,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<UpstreamCompletion> {
  const response = await post(url, { ...request, stream: false }, headers, signal);
  let body: {
    id?: unknown;
    model?: unknown;
    choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
    usage?: unknown;
  };
  try {
    body = (await response.body.json()) as typeof body;
  } catch (error) {
    throw classify(
      error instanceof SyntaxError
        ? new UpstreamFailure('the backend answered malformed JSON', 'malformed')
        : error,
      signal,
    );
  }
  const choice = body.choices?.[0];
  if (typeof choice?.message?.content !== 'string' || !isUsage(body.usage))
    throw new UpstreamFailure(
      'the backend answered without choices[0].message.content or usage',
      'malformed',
    );
  const ttftHeader = header(response, 'x-opsight-ttft-seconds');
  const ttft = Number(ttftHeader);
  return {
    id: String(body.id ?? ''),
    model: String(body.model ?? request.model),
    content: choice.message.content,
    finishReason: String(choice.finish_reason ?? 'stop'),
    usage: body.usage,
    ...(ttftHeader !== undefined && ttftHeader !== '' && Number.isFinite(ttft) ? { ttftSeconds: ttft } : {}),
  };
}

/**
 * A streamed completion: resolves once the response headers came (so a failure to start can be retried
 * elsewhere), then yields the SSE chunks. Throws {@link UpstreamFailure}.
 */
export async function completeStream(
  url: string,
  request: UpstreamRequest,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<AsyncGenerator<UpstreamChunk>> {
  const response = await post(url, { ...request, stream: true }, headers, signal);
  const body = response.body;
  return (async function* () {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const bytes of body) {
        buffer += decoder.decode(bytes as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (!data) continue;
          if (data === '[DONE]') return;
          let chunk: {
            id?: unknown;
            model?: unknown;
            choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[];
            usage?: unknown;
          };
          try {
            chunk = JSON.parse(data) as typeof chunk;
          } catch {
            throw new UpstreamFailure('the backend sent a malformed SSE chunk', 'malformed');
          }
          const choice = chunk.choices?.[0];
          yield {
            id: String(chunk.id ?? ''),
            model: String(chunk.model ?? request.model),
            delta: typeof choice?.delta?.content === 'string' ? choice.delta.content : '',
            ...(typeof choice?.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}),
            ...(isUsage(chunk.usage) ? { usage: chunk.usage } : {}),
          };
        }
      }
    } catch (error) {
      throw classify(error, signal);
    }
    throw new UpstreamFailure('the backend stream ended before [DONE]', 'malformed');
  })();
}
