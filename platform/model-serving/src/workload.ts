import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';
import { TELEMETRY_ENV } from '@opsight/telemetry/workload';

/** How model-serving runs: simulated models, or a proxy to an OpenAI-compatible upstream. */
export const modelServingWorkload: WorkloadDescriptor = {
  name: 'model-serving',
  namespace: 'platform',
  summary: 'Serves models: simulated (profiles, fault switches) or proxied to an OpenAI-compatible upstream',
  binary: nodeBinary(
    '@opsight/model-serving',
    'opsight-model-serving',
    new URL('./bin/model-serving.js', import.meta.url),
  ),
  runtimeArgs: ['--enable-source-maps'],
  flags: {
    listen: { description: 'host:port to listen on', default: '127.0.0.1:8090' },
    model: { description: 'name=profile of a model served', multiple: true },
    'ttft-ms': { description: "Time to first token, ms (overrides every model's profile)" },
    'token-ms': { description: "Time per token, ms (overrides every model's profile)" },
    jitter: { description: "Latency jitter, 0..1 (overrides every model's profile)" },
    'upstream-url': { description: 'An OpenAI-compatible upstream to proxy to' },
  },
  env: {
    ...TELEMETRY_ENV,
    ...HTTP_GUARD_ENV,
    UPSTREAM_BASE_URL: { description: 'An OpenAI-compatible upstream to proxy to (--upstream-url wins)' },
    UPSTREAM_API_KEY: { description: "The upstream's API key", secret: true },
    OPSIGHT_FAULTS: {
      description: '1: serve the fault switches (/admin/faults); test stacks only',
      default: '0',
    },
  },
  ports: [{ name: 'http', port: 8090 }],
  probes: {
    liveness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 10, failureThreshold: 6 },
    readiness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  metrics: { port: 'http', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};

/**
 * How the GPU exporter runs: dcgm-exporter's GPU series from nvidia-smi, where a GPU exists and
 * dcgm-exporter does not (the local stack; in Kubernetes dcgm-exporter itself runs).
 */
export const gpuExporterWorkload: WorkloadDescriptor = {
  name: 'gpu-exporter',
  namespace: 'monitoring',
  summary: "dcgm-exporter's GPU series, read from nvidia-smi on every scrape",
  binary: nodeBinary(
    '@opsight/model-serving',
    'opsight-gpu-exporter',
    new URL('./bin/gpu-exporter.js', import.meta.url),
  ),
  flags: {
    listen: { description: 'host:port to listen on', default: '127.0.0.1:9400' },
    'nvidia-smi': { description: 'The nvidia-smi program', default: 'nvidia-smi' },
  },
  env: {},
  ports: [{ name: 'metrics', port: 9400 }],
  probes: { readiness: { path: ADMIN_PATHS.live, port: 'metrics', periodSeconds: 5 } },
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
  metrics: { port: 'metrics', path: ADMIN_PATHS.metrics },
  logFormat: 'text',
};
