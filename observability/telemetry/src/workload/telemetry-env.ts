import type { WorkloadEnvVar } from '@opsight/contracts/workload';
import { K8S_ENV } from '../tracing/resource.js';

/** Standard OpenTelemetry variables read by the SDK's tracing (config/otel-env.ts). */
const OTEL_ENV: Readonly<Record<string, WorkloadEnvVar>> = {
  OTEL_SDK_DISABLED: { description: 'true: export no spans (context still propagates)', default: 'false' },
  OTEL_SERVICE_NAME: { description: 'The service name on spans and logs' },
  OTEL_RESOURCE_ATTRIBUTES: { description: 'Extra resource attributes, key=value,…' },
  OTEL_TRACES_EXPORTER: { description: 'otlp or none', default: 'otlp' },
  OTEL_EXPORTER_OTLP_ENDPOINT: { description: 'OTLP/HTTP base URL; traces go to <url>/v1/traces' },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { description: 'OTLP/HTTP traces URL (wins over the base URL)' },
  OTEL_EXPORTER_OTLP_HEADERS: { description: 'Headers on every export, key=value,…', secret: true },
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: { description: 'Headers on trace exports', secret: true },
  OTEL_EXPORTER_OTLP_PROTOCOL: { description: 'http/protobuf (the only one supported)' },
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: { description: 'http/protobuf (the only one supported)' },
  OTEL_EXPORTER_OTLP_TIMEOUT: { description: 'Export timeout, ms', default: '10000' },
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: { description: 'Trace export timeout, ms' },
  OTEL_TRACES_SAMPLER: { description: 'Sampler name', default: 'parentbased_always_on' },
  OTEL_TRACES_SAMPLER_ARG: { description: 'Ratio of the ratio samplers', default: '1' },
  OTEL_BSP_SCHEDULE_DELAY: { description: 'Batch export delay, ms', default: '1000' },
  OTEL_BSP_MAX_QUEUE_SIZE: { description: 'Spans queued for export', default: '2048' },
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: { description: 'Spans per export', default: '512' },
  OTEL_PROPAGATORS: { description: 'tracecontext, baggage or none', default: 'tracecontext,baggage' },
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: { description: 'Longest attribute value', default: '2048' },
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: { description: 'Longest span attribute value' },
  OTEL_ATTRIBUTE_COUNT_LIMIT: { description: 'Attributes per span', default: '128' },
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: { description: 'Attributes per span' },
};

/** The Kubernetes downward-API variables that become k8s.* resource attributes (tracing/resource.ts). */
const K8S_RESOURCE_ENV: Readonly<Record<string, WorkloadEnvVar>> = Object.fromEntries(
  K8S_ENV.flatMap(([attribute, names]) =>
    names.map((name) => [name, { description: `The resource attribute ${attribute}` }]),
  ),
);

/**
 * Every variable a component that runs the SDK (`initTelemetry`) reads through it: tracing (OTEL_*), the
 * log level, the pod identity. A component's workload descriptor spreads it into its own `env`.
 */
export const TELEMETRY_ENV: Readonly<Record<string, WorkloadEnvVar>> = {
  ...OTEL_ENV,
  ...K8S_RESOURCE_ENV,
  LOG_LEVEL: { description: 'Lowest level logged: debug, info, warn or error', default: 'info' },
};

/**
 * What `node --import @opsight/telemetry/register` reads besides {@link TELEMETRY_ENV}: only a process
 * started with that preload accepts these.
 */
export const TELEMETRY_REGISTER_ENV: Readonly<Record<string, WorkloadEnvVar>> = {
  OPSIGHT_SERVICE_VERSION: { description: 'service.version on the resource' },
  OPSIGHT_SERVICE_NAMESPACE: { description: 'service.namespace on the resource' },
};
