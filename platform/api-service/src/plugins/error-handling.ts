import { type Context, context, trace } from '@opentelemetry/api';
import { currentRequestId, type Telemetry } from '@opsight/telemetry';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, errorBody } from '../error-catalogue.js';

/** Options of {@link errorHandlingPlugin}. */
export interface ErrorHandlingOptions {
  /** Where unexpected failures are logged. */
  telemetry: Telemetry;
}

/** The trace id of a context (the active one when none is given). */
export function traceIdOf(ctx: Context | undefined): string | undefined {
  return trace.getSpan(ctx ?? context.active())?.spanContext().traceId;
}

const plugin: FastifyPluginAsync<ErrorHandlingOptions> = async (app, options) => {
  const { logger } = options.telemetry;

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(
        errorBody(
          new ApiError(
            'NOT_FOUND',
            `no route for ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
          ),
          traceIdOf(undefined),
          currentRequestId(),
        ),
      );
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const call = request.apiCall;
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL_ERROR') {
      context.with(call?.ctx ?? context.active(), () => logger.error({ error }, 'request failed'));
    }
    if (call) call.errorCode = apiError.code;
    if (apiError.retryAfter !== undefined) void reply.header('retry-after', String(apiError.retryAfter));
    void reply.code(apiError.status).send(
      errorBody(
        apiError,
        traceIdOf(call?.ctx),
        context.with(call?.ctx ?? context.active(), () => currentRequestId()),
      ),
    );
  });
};

/**
 * Every error answer in the catalogue's shape (OpenAI's, with the trace and request ids): unknown routes
 * get 404 NOT_FOUND, framework errors their catalogue code, anything unexpected 500 INTERNAL_ERROR
 * (logged). A failed API call records its code for its log line and usage row.
 */
export const errorHandlingPlugin = fp(plugin, {
  name: 'api-error-handling',
  fastify: '5.x',
  dependencies: ['api-call'],
});

/** A framework or unexpected error as a catalogue error. */
export function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('REQUEST_BODY_TOO_LARGE', 'the request body is too large', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json', 'body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is empty', 'body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is not valid JSON', 'body');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ApiError('INVALID_JSON', 'the request body is not valid JSON', 'body');
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('INVALID_REQUEST', error.message);
  }
  return new ApiError('INTERNAL_ERROR', 'internal error');
}
