import type { IncomingHttpHeaders } from 'node:http';
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  HTTP_METHOD_OTHER,
  httpServerRequestDurationSeconds,
  httpServerRequestsTotal,
  ROUTE_UNMATCHED,
  SpanAttr,
} from '@opsight/catalog';
import type { Counter, Histogram } from 'prom-client';
import { newRequestContext, type RequestContext, withRequestContext } from '../context/request-context.js';
import {
  type BoundCounter,
  type BoundHistogram,
  bindCounter,
  bindHistogram,
} from '../metrics/bound-series.js';
import type { TelemetryRuntime } from '../telemetry.js';
import { methodLabel, statusClassOf } from './status-class.js';

/** One inbound request being measured. */
export interface ServerRequestScope {
  readonly span: Span;
  /** The context the request's handlers run in (span + request context). */
  readonly context: Context;
  readonly request: RequestContext;
  readonly method: string;
  readonly startedAt: number;
}

/** Minimal view of an inbound request, shared by Fastify and node:http. */
export interface InboundRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion?: string;
  readonly socket?: { remoteAddress?: string | undefined; localPort?: number | undefined } | null;
}

type Labels = 'method' | 'route' | 'status_class';

/** The two series of one label set, bound once. */
interface RequestSeries {
  readonly requests: BoundCounter;
  readonly duration: BoundHistogram;
}

/**
 * The lean server-span path: one span per request from the framework's own hooks, attributes only when
 * the span is recorded, metrics by route template, method and status class.
 */
export class HttpServerInstrumentation {
  readonly #tracer: Tracer;
  readonly #requests: Counter<Labels>;
  readonly #duration: Histogram<Labels>;
  /** Bound series by route template, method and status class (all bounded label values). */
  readonly #series = new Map<string, Map<string, Map<string, RequestSeries>>>();

  constructor(runtime: TelemetryRuntime) {
    this.#tracer = runtime.tracer;
    this.#requests = runtime.metrics.counter(httpServerRequestsTotal);
    this.#duration = runtime.metrics.histogram(httpServerRequestDurationSeconds);
  }

  /** Starts measuring a request; `route` is the route template when already known. */
  begin(req: InboundRequest, route: string | undefined): ServerRequestScope {
    const headers = req.headers;
    const parent =
      headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
    const method = methodLabel(req.method);
    const span = this.#tracer.startSpan(
      route === undefined ? method : `${method} ${route}`,
      { kind: SpanKind.SERVER },
      parent,
    );
    const request = newRequestContext(headers['x-request-id']);
    if (span.isRecording()) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      span.setAttribute(SpanAttr.httpRequestMethod, method);
      if (method === HTTP_METHOD_OTHER && req.method)
        span.setAttribute(SpanAttr.httpRequestMethodOriginal, req.method);
      span.setAttribute(SpanAttr.urlPath, q === -1 ? url : url.slice(0, q));
      span.setAttribute(SpanAttr.urlScheme, 'http');
      if (route !== undefined) span.setAttribute(SpanAttr.httpRoute, route);
      if (req.httpVersion) span.setAttribute(SpanAttr.networkProtocolVersion, req.httpVersion);
      const remote = req.socket?.remoteAddress;
      if (remote) span.setAttribute(SpanAttr.clientAddress, remote);
      const ua = headers['user-agent'];
      if (ua) span.setAttribute(SpanAttr.userAgentOriginal, ua);
      const port = req.socket?.localPort;
      if (port) span.setAttribute(SpanAttr.serverPort, port);
      span.setAttribute(SpanAttr.requestId, request.requestId);
    }
    return {
      span,
      context: withRequestContext(trace.setSpan(parent, span), request),
      request,
      method,
      startedAt: performance.now(),
    };
  }

  /** Ends the span and records the metrics. `error` names the failure when the handler threw. */
  end(scope: ServerRequestScope, status: number, route: string | undefined, error?: string): void {
    const span = scope.span;
    const template = route ?? scope.request.route;
    const statusClass = statusClassOf(status);
    const spanContext = span.spanContext();
    if (span.isRecording()) {
      span.setAttribute(SpanAttr.httpResponseStatusCode, status);
      if (template !== undefined) {
        span.setAttribute(SpanAttr.httpRoute, template);
        span.updateName(`${scope.method} ${template}`);
      }
      if (status >= 500 || error !== undefined) {
        span.setAttribute(SpanAttr.errorType, error ?? String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
    const series = this.#seriesOf(scope.method, template ?? ROUTE_UNMATCHED, statusClass);
    series.requests.inc();
    series.duration.observe((performance.now() - scope.startedAt) / 1000, spanContext);
  }

  #seriesOf(method: string, route: string, statusClass: string): RequestSeries {
    let byMethod = this.#series.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#series.set(route, byMethod);
    }
    let byClass = byMethod.get(method);
    if (byClass === undefined) {
      byClass = new Map();
      byMethod.set(method, byClass);
    }
    let series = byClass.get(statusClass);
    if (series === undefined) {
      const labels = { method, route, status_class: statusClass };
      series = {
        requests: bindCounter(this.#requests, labels),
        duration: bindHistogram(this.#duration, labels),
      };
      byClass.set(statusClass, series);
    }
    return series;
  }
}
