// OTLP/HTTP receiver: POST /v1/traces with protobuf or JSON bodies, optionally gzip-compressed. Responses
// follow OTLP/HTTP: 200 with an ExportTraceServiceResponse (partial_success when spans were rejected), or a
// 4xx/5xx with a google.rpc.Status body in the request's encoding. JSON error bodies also carry the store's
// stable `error` code and the offending `field`. Transient storage errors (STORAGE_FULL, STORAGE_FAILED) are 503
// with Retry-After, which OTLP/HTTP senders retry; nothing of such a request was stored.
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { type ErrorLog, errorFields, installFastifyGuard, stderrErrorLog } from '@opsight/http-guard';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { TraceStoreError } from '../error-codes.js';
import { otlpTypes } from './otlp-schema.js';
import type { ExportOutcome, TraceIngester } from './trace-ingester.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface OtlpHttpOptions {
  /**
   * The ingester of the tenant a request acts as, from its Authorization and X-Scope-OrgID headers;
   * throws TraceStoreError (401 UNAUTHORIZED, 403 TENANT_MISMATCH) when refused.
   */
  ingesterOf: (authorization: string | undefined, orgId: string | string[] | undefined) => TraceIngester;
  /** Largest request accepted, compressed and decompressed, in bytes. */
  maxRequestBytes: number;
  /** Where an unexpected failure's error goes (its answer says only INTERNAL_ERROR). @default stderrErrorLog */
  logError?: ErrorLog;
}

type Format = 'protobuf' | 'json';

function formatOf(request: FastifyRequest): Format | null {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

function sendError(reply: FastifyReply, format: Format, error: TraceStoreError): FastifyReply {
  reply.code(error.status);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (format === 'protobuf') {
    const body = otlpTypes.rpcStatus.encode({
      code: error.grpcCode,
      message: `${error.code}: ${error.message}`,
    });
    return reply.type('application/x-protobuf').send(Buffer.from(body.finish()));
  }
  return reply
    .type('application/json')
    .send({ code: error.grpcCode, message: error.message, error: error.code, field: error.field ?? null });
}

function sendOutcome(reply: FastifyReply, format: Format, outcome: ExportOutcome): FastifyReply {
  const partial =
    outcome.rejected > 0
      ? { rejectedSpans: outcome.rejected, errorMessage: outcome.errorMessage }
      : undefined;
  if (format === 'json') {
    const body = partial
      ? { partialSuccess: { ...partial, rejectedSpans: String(partial.rejectedSpans) } }
      : {};
    return reply.type('application/json').send(body);
  }
  const message = otlpTypes.response.encode(partial ? { partialSuccess: partial } : {}).finish();
  return reply.type('application/x-protobuf').send(Buffer.from(message));
}

async function decompress(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === 'identity' || name === '') return body;
  try {
    if (name === 'gzip') return await gunzipAsync(body, { maxOutputLength: limit });
    if (name === 'deflate') return await inflateAsync(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TraceStoreError('PAYLOAD_TOO_LARGE', `decompressed body is over ${limit} bytes`, 'body');
    }
    throw new TraceStoreError(
      'OTLP_INVALID_GZIP',
      `body is not valid ${name}: ${(error as Error).message}`,
      'body',
    );
  }
  throw new TraceStoreError(
    'UNSUPPORTED_ENCODING',
    `content-encoding ${name} is not supported`,
    'content-encoding',
  );
}

export function createOtlpHttpReceiver(options: OtlpHttpOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: options.maxRequestBytes });
  const logError = options.logError ?? stderrErrorLog('tracestore');
  // Browser safety: Host (DNS rebinding), Origin and the two OTLP media types, before any body is read.
  installFastifyGuard(app, { writeContentTypes: ['application/json', 'application/x-protobuf'] });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const format = formatOf(request) ?? 'json';
    if (error instanceof TraceStoreError) return sendError(reply, format, error);
    if (error.statusCode === 413) {
      return sendError(reply, format, new TraceStoreError('PAYLOAD_TOO_LARGE', error.message, 'body'));
    }
    if (error.statusCode && error.statusCode < 500) {
      return sendError(reply, format, new TraceStoreError('INVALID_PARAMETER', error.message));
    }
    // A bug: the answer says only the code (500, which senders do not retry); the error is in the log line.
    logError({
      message: 'request failed',
      code: 'INTERNAL_ERROR',
      method: request.method,
      path: request.url.split('?')[0],
      ...errorFields(error),
    });
    return sendError(reply, format, new TraceStoreError('INTERNAL_ERROR', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      formatOf(request) ?? 'json',
      new TraceStoreError('NOT_FOUND', `no route ${request.url}`),
    ),
  );
  app.post('/v1/traces', async (request, reply) => {
    const format = formatOf(request);
    if (!format) {
      throw new TraceStoreError(
        'UNSUPPORTED_MEDIA_TYPE',
        'content-type must be application/x-protobuf or application/json',
        'content-type',
      );
    }
    const ingester = options.ingesterOf(request.headers.authorization, request.headers['x-scope-orgid']);
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const body = await decompress(raw, request.headers['content-encoding'], options.maxRequestBytes);
    const outcome = await ingester.export(body, format, 'http');
    return sendOutcome(reply, format, outcome);
  });
  return app;
}
