import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { TELEMETRY_ENV } from '@opsight/telemetry/workload';

/** How api-service runs: the OpenAI-compatible API, in front of the model router, PostgreSQL and Redis. */
export const apiServiceWorkload: WorkloadDescriptor = {
  name: 'api-service',
  namespace: 'platform',
  summary: 'OpenAI-compatible API: keys, rate limits, cache, usage; calls the model router over gRPC',
  binary: nodeBinary(
    '@opsight/api-service',
    'opsight-api-service',
    new URL('./bin/api-service.js', import.meta.url),
  ),
  runtimeArgs: ['--enable-source-maps'],
  flags: {
    listen: { description: 'host:port to listen on (wins over OPSIGHT_API_LISTEN)' },
  },
  env: {
    ...TELEMETRY_ENV,
    OPSIGHT_API_LISTEN: { description: 'host:port to listen on', default: '127.0.0.1:8081' },
    DATABASE_URL: { description: 'PostgreSQL connection URL (else the libpq PG* variables)', secret: true },
    PGHOST: { description: 'PostgreSQL host' },
    PGPORT: { description: 'PostgreSQL port', default: '5432' },
    PGDATABASE: { description: 'PostgreSQL database' },
    PGUSER: { description: 'PostgreSQL user' },
    PGPASSWORD: { description: 'PostgreSQL password (prefer OPSIGHT_PG_PASSWORD_FILE)', secret: true },
    PGSSLMODE: { description: 'PostgreSQL TLS mode' },
    PGAPPNAME: { description: 'PostgreSQL application_name' },
    OPSIGHT_PG_PASSWORD_FILE: { description: "File holding PostgreSQL's password" },
    OPSIGHT_PG_TIMEOUT_MS: { description: 'PostgreSQL connect and query timeout, ms', default: '2000' },
    OPSIGHT_REDIS_URL: { description: 'Redis URL', default: 'redis://127.0.0.1:6380' },
    REDIS_URL: { description: 'Redis URL (older name of OPSIGHT_REDIS_URL)' },
    OPSIGHT_REDIS_PASSWORD_FILE: { description: "File holding Redis's password" },
    OPSIGHT_REDIS_TIMEOUT_MS: { description: 'Redis command timeout, ms', default: '250' },
    OPSIGHT_ADMIN_KEY_FILE: {
      description: 'File holding the admin key of the key admin API (/admin/v1/keys); unset: that API is off',
    },
    OPSIGHT_ROUTER_ADDRESS: { description: "The model router's host:port", default: '127.0.0.1:50051' },
    MODEL_ROUTER_ADDRESS: { description: 'Older name of OPSIGHT_ROUTER_ADDRESS' },
    OPSIGHT_ROUTER_TIMEOUT_MS: { description: 'Deadline of a router call, ms', default: '60000' },
    OPSIGHT_DEFAULT_RPM: { description: 'Requests per minute of a key without its own', default: '600' },
    OPSIGHT_DEFAULT_TPM: { description: 'Tokens per minute of a key without its own', default: '200000' },
    OPSIGHT_CACHE_TTL_SECONDS: { description: 'Response cache lifetime, s', default: '300' },
    OPSIGHT_RESPONSE_CACHE_SCOPE: { description: 'user or shared', default: 'user' },
    OPSIGHT_RATE_LIMIT_FAIL_MODE: { description: 'open or closed when Redis fails', default: 'open' },
    OPSIGHT_BODY_LIMIT_BYTES: { description: 'Largest request body, bytes', default: '1048576' },
    OPSIGHT_LOG_CONTENT: { description: '1: log prompt and completion text', default: '0' },
    OPSIGHT_KEY_EXPIRY_REFRESH_MS: { description: 'Refresh of the key-expiry gauge, ms', default: '60000' },
    OPSIGHT_KEY_FALLBACK_TTL_MS: {
      description: 'How long known keys serve while PostgreSQL is down, ms',
      default: '300000',
    },
    OPSIGHT_KEY_CACHE_MAX_ENTRIES: { description: 'Keys cached in memory', default: '10000' },
    OPSIGHT_USAGE_MAX_QUEUED: {
      description: 'Usage records queued while PostgreSQL is slow',
      default: '20000',
    },
  },
  ports: [{ name: 'http', port: 8081 }],
  probes: {
    liveness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 10 },
    readiness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  metrics: { port: 'http', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};
