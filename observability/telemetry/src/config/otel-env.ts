import { TelemetryConfigError } from './telemetry-config-error.js';

/** Tracing settings read from the standard OTEL_* environment variables. */
export interface OtelEnvConfig {
  /** OTEL_SDK_DISABLED: no spans are exported (context still propagates). */
  readonly sdkDisabled: boolean;
  /** OTEL_TRACES_EXPORTER: `otlp` or `none`. */
  readonly exporter: 'otlp' | 'none';
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  readonly tracesEndpoint: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS. */
  readonly headers: Record<string, string>;
  /** OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT, milliseconds. */
  readonly exportTimeoutMs: number;
  /** OTEL_TRACES_SAMPLER. */
  readonly sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG, for the ratio samplers. */
  readonly samplerRatio: number;
  /** OTEL_BSP_SCHEDULE_DELAY. */
  readonly scheduleDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE. */
  readonly maxQueueSize: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE. */
  readonly maxExportBatchSize: number;
  /** OTEL_PROPAGATORS: any of `tracecontext`, `baggage`, or `none`. */
  readonly propagators: readonly ('tracecontext' | 'baggage')[];
  /** OTEL_RESOURCE_ATTRIBUTES. */
  readonly resourceAttributes: Record<string, string>;
  /** OTEL_SERVICE_NAME, if set. */
  readonly serviceName: string | undefined;
  /** OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT. */
  readonly attributeValueLengthLimit: number;
  /** OTEL_(SPAN_)ATTRIBUTE_COUNT_LIMIT. */
  readonly attributeCountLimit: number;
}

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new TelemetryConfigError(name, raw, `expected an integer from ${min} to ${max}`);
  }
  return n;
}

function bool(env: Env, name: string): boolean {
  const raw = read(env, name);
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new TelemetryConfigError(name, raw, 'expected true or false');
}

function url(name: string, raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new TelemetryConfigError(name, raw, 'expected an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TelemetryConfigError(name, raw, 'expected an absolute http(s) URL');
  }
  return parsed.href;
}

/** Parses `k1=v1,k2=v2` with percent-encoded keys and values (W3C baggage octets). */
function keyValues(env: Env, name: string): Record<string, string> {
  const raw = read(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new TelemetryConfigError(name, raw, 'expected comma-separated key=value pairs');
    try {
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new TelemetryConfigError(name, raw, 'expected percent-encoded key=value pairs');
    }
  }
  return out;
}

/**
 * Reads and validates the OTEL_* variables this SDK honours. Throws `TelemetryConfigError` naming the
 * variable and its value for anything it cannot use, so a misconfigured service fails at startup.
 */
export function readOtelEnv(env: Env = process.env): OtelEnvConfig {
  const sdkDisabled = bool(env, 'OTEL_SDK_DISABLED');

  const exporterRaw = read(env, 'OTEL_TRACES_EXPORTER') ?? 'otlp';
  const exporter = exporterRaw.trim().toLowerCase();
  if (exporter !== 'otlp' && exporter !== 'none') {
    throw new TelemetryConfigError('OTEL_TRACES_EXPORTER', exporterRaw, 'expected otlp or none');
  }

  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const raw = read(env, name);
    if (raw === undefined) continue;
    if (raw.trim() !== 'http/protobuf') {
      throw new TelemetryConfigError(name, raw, 'only http/protobuf is supported');
    }
    break;
  }

  const tracesRaw = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseRaw = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let tracesEndpoint: string;
  if (tracesRaw !== undefined) tracesEndpoint = url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesRaw);
  else if (baseRaw !== undefined) {
    const base = url('OTEL_EXPORTER_OTLP_ENDPOINT', baseRaw);
    tracesEndpoint = `${base.replace(/\/$/, '')}/v1/traces`;
  } else tracesEndpoint = 'http://localhost:4318/v1/traces';

  const headers = {
    ...keyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...keyValues(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
  };
  const exportTimeoutMs = integer(
    env,
    'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    integer(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1),
    1,
  );

  const samplerRaw = read(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const sampler = samplerRaw.trim().toLowerCase() as SamplerName;
  if (!SAMPLERS.includes(sampler)) {
    throw new TelemetryConfigError(
      'OTEL_TRACES_SAMPLER',
      samplerRaw,
      `expected one of ${SAMPLERS.join(', ')}`,
    );
  }
  const argRaw = read(env, 'OTEL_TRACES_SAMPLER_ARG');
  let samplerRatio = 1;
  if (argRaw !== undefined) {
    samplerRatio = Number(argRaw.trim());
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1) {
      throw new TelemetryConfigError('OTEL_TRACES_SAMPLER_ARG', argRaw, 'expected a number from 0 to 1');
    }
  }

  const maxQueueSize = integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1);
  const maxExportBatchSize = integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1);
  if (maxExportBatchSize > maxQueueSize) {
    throw new TelemetryConfigError(
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      String(maxExportBatchSize),
      `must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`,
    );
  }

  const propagatorsRaw = read(env, 'OTEL_PROPAGATORS') ?? 'tracecontext,baggage';
  const propagators: ('tracecontext' | 'baggage')[] = [];
  for (const p of propagatorsRaw.split(',').map((s) => s.trim().toLowerCase())) {
    if (p === 'tracecontext' || p === 'baggage') propagators.push(p);
    else if (p !== 'none' && p !== '') {
      throw new TelemetryConfigError(
        'OTEL_PROPAGATORS',
        propagatorsRaw,
        'supported: tracecontext, baggage, none',
      );
    }
  }

  const lengthLimit = integer(
    env,
    'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    integer(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 2048, 1),
    1,
  );
  const countLimit = integer(
    env,
    'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
    integer(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT', 128, 1),
    1,
  );

  return {
    sdkDisabled,
    exporter,
    tracesEndpoint,
    headers,
    exportTimeoutMs,
    sampler,
    samplerRatio,
    scheduleDelayMs: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 1000, 0),
    maxQueueSize,
    maxExportBatchSize,
    propagators,
    resourceAttributes: keyValues(env, 'OTEL_RESOURCE_ATTRIBUTES'),
    serviceName: read(env, 'OTEL_SERVICE_NAME'),
    attributeValueLengthLimit: lengthLimit,
    attributeCountLimit: countLimit,
  };
}
