// OTLP/HTTP protobuf span exporter that makes exactly one attempt per export and says whether a failure is
// worth retrying, following the OTLP/HTTP specification ("Retryable Response Codes", "Throttling"):
// - 2xx: delivered (a partial_success in the body means the backend refused some spans for good; not retried).
// - 429, 502, 503, 504: retryable; `Retry-After` (seconds or an HTTP date), when present, is when to retry.
// - any other status: not retryable (the same request would be refused again).
// - connection errors and timeouts: retryable.
// Retrying, back-off and the bounded queue belong to the span processor (BoundedSpanProcessor), which holds
// the batch between attempts; the exporter holds nothing.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface OtlpHttpSpanExporterOptions {
  /** Full URL of the traces endpoint. @default 'http://localhost:4318/v1/traces' */
  url?: string;
  /** Extra request headers (e.g. authorization). @default {} */
  headers?: Record<string, string>;
  /** An attempt that has not answered after this long fails (retryable). @default 10000 */
  timeoutMs?: number;
}

/** HTTP statuses OTLP/HTTP says to retry. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Why an export failed, and whether (and when) to try again. */
export class OtlpExportError extends Error {
  constructor(
    message: string,
    /** The same request may succeed later: retry it with back-off. */
    readonly retryable: boolean,
    /** The HTTP status, when there was an answer. */
    readonly statusCode?: number,
    /** When the backend asked to be retried (`Retry-After`), in milliseconds from now. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'OtlpExportError';
  }
}

/** Parses `Retry-After`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

const maxResponseBytes = 64 * 1024;

export class OtlpHttpSpanExporter implements SpanExporter {
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #agent: HttpAgent;

  constructor(options: OtlpHttpSpanExporterOptions = {}) {
    this.#url = new URL(options.url ?? 'http://localhost:4318/v1/traces');
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#agent =
      this.#url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 2 })
        : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let body: Uint8Array | undefined;
    try {
      body = ProtobufTraceSerializer.serializeRequest(spans as never);
    } catch (error) {
      done({
        code: ExportResultCode.FAILED,
        error: new OtlpExportError(`serializing spans failed: ${(error as Error).message}`, false),
      });
      return;
    }
    if (!body) {
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    let settled = false;
    const finish = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      done(result);
    };
    const fail = (error: OtlpExportError): void => finish({ code: ExportResultCode.FAILED, error });
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      this.#url,
      {
        method: 'POST',
        agent: this.#agent,
        headers: {
          ...this.#headers,
          'content-type': 'application/x-protobuf',
          'content-length': String(body.byteLength),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxResponseBytes) chunks.push(chunk);
        });
        res.on('error', (error) =>
          fail(new OtlpExportError(`reading the answer failed: ${error.message}`, true)),
        );
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            finish({ code: ExportResultCode.SUCCESS });
            return;
          }
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 300);
          const retryAfter = res.headers['retry-after'];
          fail(
            new OtlpExportError(
              `trace backend answered ${status}${text ? `: ${text}` : ''}`,
              RETRYABLE_STATUSES.has(status),
              status,
              RETRYABLE_STATUSES.has(status)
                ? parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)
                : undefined,
            ),
          );
        });
      },
    );
    req.setTimeout(this.#timeoutMs, () => {
      req.destroy(new Error(`no answer after ${this.#timeoutMs} ms`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      fail(
        new OtlpExportError(
          `sending spans failed: ${error.code ? `${error.code} ` : ''}${error.message}`,
          true,
        ),
      );
    });
    req.end(body);
  }

  async shutdown(): Promise<void> {
    this.#agent.destroy();
  }

  async forceFlush(): Promise<void> {}
}
