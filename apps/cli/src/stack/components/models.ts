import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelRouterWorkload } from '@opsight/model-router/workload';
import { gpuExporterWorkload, modelServingWorkload } from '@opsight/model-serving/workload';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';
import type { PortName } from '../ports.js';
import { otlpAuthEnv, type StoreClient } from '../store-auth.js';
import { workloadSpec } from '../workload-spec.js';

/**
 * The model-serving instances of the local stack, on consecutive ports from `modelServing`: a fast chat
 * model, a slower large one, and a small one that the routing table uses as both models' fallback; the
 * first also serves `chat-instant` (no model time: what bench/gateway and synthetic checks measure
 * the platform path with). `model` is the instance's main model (its pod label); `also` lists further
 * models it serves. The model names must match platform/model-router/config/local.json.
 */
export const MODEL_SERVING_INSTANCES: readonly {
  readonly model: string;
  readonly profile: string;
  readonly also?: readonly { readonly model: string; readonly profile: string }[];
}[] = [
  { model: 'chat-fast', profile: 'fast', also: [{ model: 'chat-instant', profile: 'instant' }] },
  { model: 'chat-large', profile: 'large' },
  { model: 'chat-small', profile: 'small' },
];

/** Every model the local stack serves, in the routing table's order. */
export const LOCAL_MODELS = MODEL_SERVING_INSTANCES.flatMap((i) => [
  i.model,
  ...(i.also ?? []).map((a) => a.model),
]);

const routerConfig = (ctx: StackContext) => join(ctx.paths.config, 'model-router.json');

/**
 * Trace export to the local trace store (with `client`'s token under OPSIGHT_AUTH=1) and the pod identity on
 * the resource, as Kubernetes would set it.
 */
function telemetryEnv(
  ctx: StackContext,
  client: StoreClient,
  namespace: string,
  pod: string,
  container: string,
) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ctx.ports.tracestoreOtlpHttp}`,
    ...otlpAuthEnv(ctx.auth, client),
    K8S_NAMESPACE_NAME: namespace,
    K8S_POD_NAME: pod,
    K8S_CONTAINER_NAME: container,
  };
}

/**
 * Writes var/config/model-router.json from platform/model-router/config/local.json, with `{{name}}` and
 * `{{name+N}}` replaced by ports of the port table.
 */
export function prepareModelRouter(ctx: StackContext): void {
  const template = readFileSync(
    fileURLToPath(import.meta.resolve('@opsight/model-router/config/local.json')),
    'utf8',
  );
  const rendered = template.replace(/\{\{(\w+)(?:\+(\d+))?\}\}/g, (match, name: string, add?: string) => {
    const port = ctx.ports[name as PortName];
    if (port === undefined) throw new Error(`model-router config: unknown port ${match}`);
    return String(port + Number(add ?? 0));
  });
  writeFileSync(routerConfig(ctx), rendered);
}

/** One model-serving instance (index into {@link MODEL_SERVING_INSTANCES}). */
export function modelServing(ctx: StackContext, index: number): ComponentSpec {
  const instance = MODEL_SERVING_INSTANCES[index];
  if (!instance) throw new Error(`no model-serving instance ${index}`);
  const port = ctx.ports.modelServing + index;
  const name = `model-serving-${index}`;
  return workloadSpec(modelServingWorkload, {
    name,
    app: 'model-serving',
    pod: name,
    labels: { model: instance.model },
    ports: { http: port },
    args: [
      '--listen',
      `127.0.0.1:${port}`,
      ...[instance, ...(instance.also ?? [])].flatMap((m) => ['--model', `${m.model}=${m.profile}`]),
    ],
    // The local stack is a test stack: its fault switches (/admin/faults) are what `opsight load`, the
    // chaos suite and the whole-stack tests drive. Never set where model-serving fronts a real model.
    env: { ...telemetryEnv(ctx, 'model-serving', 'platform', name, name), OPSIGHT_FAULTS: '1' },
    dependsOn: ['tracestore'],
    // Three instances share this machine with the rest of the stack: half a core each.
    limits: { cpu: '500m', memory: '256Mi' },
  });
}

/** The model router: gRPC on `modelRouter`, /metrics and /ready on `modelRouterMetrics`. */
export function modelRouter(ctx: StackContext): ComponentSpec {
  const { modelRouter: port, modelRouterMetrics: metrics } = ctx.ports;
  return workloadSpec(modelRouterWorkload, {
    ports: { grpc: port, metrics },
    args: [
      '--config',
      routerConfig(ctx),
      '--listen',
      `127.0.0.1:${port}`,
      '--metrics-listen',
      `127.0.0.1:${metrics}`,
    ],
    env: telemetryEnv(ctx, 'model-router', 'platform', 'model-router-0', 'model-router'),
    dependsOn: MODEL_SERVING_INSTANCES.map((_, i) => `model-serving-${i}`),
    // Every completion crosses the router, and locally one router takes all of them (a cluster runs
    // two): its resident memory passed 256 MiB at about 800 requests a second with 32 calls open
    // (OOMKilled mid-run). 512 MiB, as api-service, which holds as many calls.
    limits: { cpu: '1', memory: '512Mi' },
  });
}

/** nvidia-smi: `NVIDIA_SMI`, else the first `nvidia-smi` on PATH that can be run; undefined without a GPU. */
export function findNvidiaSmi(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.NVIDIA_SMI
    ? [env.NVIDIA_SMI]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, 'nvidia-smi'));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * dcgm-exporter's GPU series from nvidia-smi (model-serving's gpu-exporter), on `gpuExporter`; in
 * Kubernetes dcgm-exporter itself takes its place, with the same names and labels.
 */
export function gpuExporter(ctx: StackContext, nvidiaSmi: string): ComponentSpec {
  const port = ctx.ports.gpuExporter;
  return workloadSpec(gpuExporterWorkload, {
    ports: { metrics: port },
    args: ['--listen', `127.0.0.1:${port}`, '--nvidia-smi', nvidiaSmi],
  });
}

/** Every model component: the serving instances, the router, and the GPU exporter where nvidia-smi exists. */
export function modelComponents(ctx: StackContext, env: NodeJS.ProcessEnv = process.env): ComponentSpec[] {
  const nvidiaSmi = findNvidiaSmi(env);
  return [
    ...MODEL_SERVING_INSTANCES.map((_, i) => modelServing(ctx, i)),
    modelRouter(ctx),
    ...(nvidiaSmi ? [gpuExporter(ctx, nvidiaSmi)] : []),
  ];
}
