// What a route gets: the request, the store's API, and the request's parts parsed on demand.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogStoreApi } from '../../api/log-store-api.js';
import type { Ruler } from '../../ruler/ruler.js';

/** One request, as a route sees it. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly api: LogStoreApi;
  /** The store's ruler; undefined when it runs without one. */
  readonly ruler?: Ruler;
  /** The tenant the request acts for (its token's, or X-Scope-OrgID); throws a refusal. */
  tenant(): string;
  /** The body, within the store's size limit. */
  body(): Promise<Buffer>;
  /** The query string's parameters, plus a form body's on POST. */
  params(): Promise<URLSearchParams>;
}

/** Parses a request, calls the API and writes the answer. */
export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;
