// POST /loki/api/v1/push (Loki's JSON or snappy protobuf) and POST /otlp/v1/logs (OTLP JSON or protobuf).

import { LogStoreError } from '../../api/log-store-error.js';
import { ERROR_CODES } from '../../error-codes.js';
import type { PushOutcome } from '../../push/ingester.js';
import { PushDecodeError } from '../../push/push-decode-error.js';
import { sendJson } from '../request.js';
import type { RouteHandler } from './route.js';

/** Errors listed in a refusal's message, and in its `errors` array. */
const SHOWN_ERRORS = 10;
const LISTED_ERRORS = 100;

/** The push route of one wire format: 204 when all was stored, else Loki's error body. */
export function pushRoute(format: 'loki' | 'otlp', maxBodyBytes: number): RouteHandler {
  return async ({ req, res, api, tenant, body }) => {
    const t = tenant();
    const raw = await body();
    let out: PushOutcome;
    try {
      // Decoded (in a worker thread when configured), stored in a transaction shared with the pushes ready by then.
      out = await api.pushBody(t, {
        format,
        body: raw,
        contentType: req.headers['content-type'] ?? '',
        contentEncoding: String(req.headers['content-encoding'] ?? ''),
        maxBytes: maxBodyBytes,
      });
    } catch (e) {
      if (e instanceof PushDecodeError)
        throw new LogStoreError(e.code, e.message, { status: ERROR_CODES[e.code].status, field: e.field });
      throw e;
    }
    if (out.status === 204) {
      res.writeHead(204);
      res.end();
      return;
    }
    const first = out.errors[0]!;
    const shown = out.errors.slice(0, SHOWN_ERRORS).map((e) => e.message);
    if (out.errors.length > SHOWN_ERRORS) shown.push(`(and ${out.errors.length - SHOWN_ERRORS} more errors)`);
    sendJson(res, out.status, {
      status: 'error',
      code: first.code,
      field: first.field,
      error: shown.join('\n'),
      errors: out.errors.slice(0, LISTED_ERRORS),
      accepted: out.accepted,
    });
  };
}
