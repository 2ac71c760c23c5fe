import type { PlannedRequest } from '../scenarios.js';

/** What came back for one request. */
export interface RequestOutcome {
  /** HTTP status, or 0 when no answer arrived (connection refused, reset, timeout). */
  status: number;
  /** `error.code` of an error body, or the network error's code. */
  errorCode?: string;
  promptTokens: number;
  completionTokens: number;
  /** The answer said how many tokens it used (`usage`). */
  usageReported: boolean;
  /** Request sent to last byte read, in milliseconds. */
  latencyMs: number;
  /** Streamed requests: time to the first content chunk, in milliseconds. */
  ttftMs?: number;
  traceId?: string;
  /** `Retry-After` of a 429, in seconds. */
  retryAfter?: number;
}

export interface Credentials {
  valid: string;
  expired?: string;
}

// The shape of a real key (sk- and 43 base64url characters) that no record matches.
const UNKNOWN_KEY = `sk-${'0'.repeat(43)}`;

function authorization(choice: PlannedRequest['key'], keys: Credentials): string | undefined {
  switch (choice) {
    case 'none':
      return undefined;
    case 'malformed':
      return 'Bearer not-a-key';
    case 'unknown':
      return `Bearer ${UNKNOWN_KEY}`;
    case 'expired':
      return `Bearer ${keys.expired ?? ''}`;
    default:
      return `Bearer ${keys.valid}`;
  }
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** Sends one planned request to `baseUrl` (the gateway) and reads the whole answer. */
export async function sendRequest(
  baseUrl: string,
  request: PlannedRequest,
  keys: Credentials,
  options: { timeoutMs?: number } = {},
): Promise<RequestOutcome> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'opsight-loadgen/0.1',
  };
  const auth = authorization(request.key, keys);
  if (auth) headers.authorization = auth;
  const started = performance.now();
  const outcome: RequestOutcome = {
    status: 0,
    promptTokens: 0,
    completionTokens: 0,
    usageReported: false,
    latencyMs: 0,
  };
  try {
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: request.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
    outcome.status = res.status;
    const traceparent = res.headers.get('traceparent');
    if (traceparent) outcome.traceId = traceparent.split('-')[1];
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter !== null && Number.isFinite(Number(retryAfter))) outcome.retryAfter = Number(retryAfter);
    const type = res.headers.get('content-type') ?? '';
    if (res.ok && type.startsWith('text/event-stream')) await readStream(res, outcome, started);
    else {
      const text = await res.text();
      let body: { usage?: Usage; error?: { code?: string } } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {}
      if (res.ok) addUsage(outcome, body?.usage);
      else outcome.errorCode = body?.error?.code;
    }
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    outcome.errorCode = e.name === 'TimeoutError' ? 'CLIENT_TIMEOUT' : (e.cause?.code ?? e.name);
  }
  outcome.latencyMs = performance.now() - started;
  return outcome;
}

function addUsage(outcome: RequestOutcome, usage: Usage | undefined | null): void {
  if (!usage) return;
  outcome.usageReported = true;
  outcome.promptTokens = usage.prompt_tokens ?? 0;
  outcome.completionTokens = usage.completion_tokens ?? 0;
}

/** Reads an SSE completion to its end: the time to the first content, and `usage` from the last chunk. */
async function readStream(res: Response, outcome: RequestOutcome, started: number): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let contentChunks = 0;
  const handle = (event: string) => {
    for (const line of event.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      let chunk: { choices?: { delta?: { content?: string } }[]; usage?: Usage; error?: { code?: string } };
      try {
        chunk = JSON.parse(data) as typeof chunk;
      } catch {
        continue;
      }
      if (chunk.error) outcome.errorCode = chunk.error.code ?? 'STREAM_ERROR';
      if (chunk.choices?.some((c) => c.delta?.content)) {
        contentChunks++;
        outcome.ttftMs ??= performance.now() - started;
      }
      if (chunk.usage) addUsage(outcome, chunk.usage);
    }
  };
  for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(piece, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      handle(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
  if (buffer.trim()) handle(buffer);
  // Without `usage`, each content chunk is taken as one token.
  if (!outcome.usageReported) outcome.completionTokens = contentChunks;
}
