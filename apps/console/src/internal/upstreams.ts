/**
 * The engines the console reads, each behind one path prefix of the console's own origin, so that the
 * browser talks to one server (no CORS, no ports to know).
 */
export interface Upstreams {
  /** Prometheus base URL; `/api/prometheus/<rest>` → `<url>/api/v1/<rest>`. @default http://127.0.0.1:9090 */
  prometheus: string;
  /** Log store (Loki API) base URL; `/api/loki/<rest>` → `<url>/loki/api/v1/<rest>`. @default http://127.0.0.1:3100 */
  loki: string;
  /** Trace store query base URL; `/api/jaeger/<rest>` → `<url>/api/<rest>`. @default http://127.0.0.1:16686 */
  jaeger: string;
  /** Alertmanager base URL; `/api/alertmanager/<rest>` → `<url>/api/v2/<rest>`. @default http://127.0.0.1:9093 */
  alertmanager: string;
  /**
   * The alert relay's base URL, if there is one; `/api/relay/<rest>` → `<url>/<rest>`.
   * @default none (the alerts page then shows Alertmanager only)
   */
  relay?: string;
}

export const DEFAULT_UPSTREAMS: Upstreams = {
  prometheus: 'http://127.0.0.1:9090',
  loki: 'http://127.0.0.1:3100',
  jaeger: 'http://127.0.0.1:16686',
  alertmanager: 'http://127.0.0.1:9093',
};

/** Path prefix on the upstream for each console prefix. */
export const UPSTREAM_PATHS: Record<keyof Upstreams, string> = {
  prometheus: '/api/v1/',
  loki: '/loki/api/v1/',
  jaeger: '/api/',
  alertmanager: '/api/v2/',
  relay: '/',
};

/**
 * The log store's ruler in the Prometheus format (Loki's `/prometheus/api/v1/rules` and `/alerts`):
 * `/api/loki-ruler/<rules|alerts>` → `<loki>/prometheus/api/v1/<rules|alerts>`, GET only, with the
 * console's tenant and token as every log store call.
 */
export const LOG_RULER_PATH = '/prometheus/api/v1/';

/** What the console reads of the log store's ruler: its rule groups and its active alerts, nothing else. */
export const LOG_RULER_ENDPOINT = /^(rules|alerts)(\?|$)/;
