import type { IncomingMessage, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { HttpServerInstrumentation } from './server-instrumentation.js';

export type NodeHttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface NodeHttpTelemetryOptions {
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /**
   * Route template of a request (for span names and the `route` label). Handlers can also call
   * `setRoute()`. @default none: the route label is `unmatched`
   */
  routeOf?: (req: IncomingMessage) => string | undefined;
}

/**
 * Wraps a node:http request handler: server span, request context (also for the request's 'data' and
 * 'end' listeners), `http_server_*` metrics, X-Request-ID echoed back.
 */
export function instrumentHttpHandler(
  handler: NodeHttpHandler,
  options: NodeHttpTelemetryOptions = {},
): NodeHttpHandler {
  const http = new HttpServerInstrumentation(runtimeOf(options.telemetry));
  return (req, res) => {
    const route = options.routeOf?.(req);
    const scope = http.begin(req, route);
    res.setHeader('x-request-id', scope.request.requestId);
    context.bind(scope.context, req);
    res.once('close', () => {
      http.end(
        scope,
        res.writableFinished ? res.statusCode : 499,
        route,
        res.writableFinished ? undefined : 'aborted',
      );
    });
    context.with(scope.context, () => handler(req, res));
  };
}
