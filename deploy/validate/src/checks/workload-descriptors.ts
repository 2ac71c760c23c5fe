/**
 * Checks the Kubernetes workloads that run our components against the components' workload descriptors
 * (`@opsight/<component>/workload`): every container port, probe and resource of the manifest is the one
 * the descriptor declares. The manifests stay hand-written (security contexts, volumes, sidecars and
 * rollout strategy are the deployment's); what the component is, they must not restate differently.
 */

import { OUR_WORKLOADS } from '@opsight/cli/workloads';
import {
  type CpuQuantity,
  cpuCores,
  type MemoryQuantity,
  memoryBytes,
  type WorkloadDescriptor,
  type WorkloadProbe,
} from '@opsight/contracts/workload';
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';
import { workloadOf } from './service-interfaces.js';

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What to compare. */
export interface DescriptorCheckOptions {
  /**
   * Compare resources and fixed replica counts too: true for the base, false for overlays, which size
   * their workloads for their environment (prod, gpu).
   * @default true
   */
  readonly sizing?: boolean;
}

/** The descriptor of the component a container runs: one of our bins, or a program of ours by name (nginx). */
function descriptorOf(root: string, container: JsonObject): WorkloadDescriptor | undefined {
  const argv = [...list(container.command), ...list(container.args)].map(String);
  for (const arg of argv) {
    const found = workloadOf(root, arg);
    if (found) return found;
  }
  return OUR_WORKLOADS.find((w) => w.binary.kind === 'program' && w.binary.command === argv[0]);
}

function quantity(value: unknown, kind: 'cpu' | 'memory'): number | undefined {
  if (typeof value === 'number') return kind === 'cpu' ? value : value;
  if (typeof value !== 'string') return undefined;
  return kind === 'cpu' ? cpuCores(value as CpuQuantity) : memoryBytes(value as MemoryQuantity);
}

function probeProblems(
  at: string,
  kind: 'liveness' | 'readiness',
  manifest: unknown,
  declared: WorkloadProbe | undefined,
): string[] {
  const probe = isObject(manifest) ? manifest : undefined;
  if (!declared) return probe ? [`${at}: has a ${kind} probe; its descriptor declares none`] : [];
  if (!probe)
    return [`${at}: has no ${kind} probe; its descriptor declares ${declared.path} on ${declared.port}`];
  const get = obj(probe.httpGet);
  if (get.path === declared.path && get.port === declared.port) return [];
  return [
    `${at}: ${kind} probe ${String(get.path)} on ${String(get.port)}; its descriptor declares ${declared.path} on ${declared.port}`,
  ];
}

/** Problems of the containers of ours in `resources` against their descriptors; empty when they agree. */
export function descriptorProblems(
  root: string,
  resources: readonly JsonObject[],
  options: DescriptorCheckOptions = {},
): string[] {
  const sizing = options.sizing ?? true;
  const problems: string[] = [];
  for (const r of resources) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(r.kind))) continue;
    const pod = obj(obj(obj(r.spec).template).spec);
    const init = list(pod.initContainers).map(obj);
    for (const c of [...init, ...list(pod.containers).map(obj)]) {
      const d = descriptorOf(root, c);
      if (!d) continue;
      const at = `${r.kind}/${String(obj(r.metadata).name)}/${String(c.name)} (${d.name})`;
      if (!init.includes(c)) {
        const ports = new Map(list(c.ports).map((p) => [String(obj(p).name), Number(obj(p).containerPort)]));
        for (const p of d.ports)
          if (ports.get(p.name) !== p.port)
            problems.push(
              `${at}: port ${p.name} is ${ports.get(p.name) ?? 'missing'}; its descriptor says ${p.port}`,
            );
        for (const name of ports.keys())
          if (!d.ports.some((p) => p.name === name))
            problems.push(`${at}: port ${name} is not in its descriptor`);
        problems.push(
          ...probeProblems(at, 'readiness', c.readinessProbe, d.probes.readiness),
          ...probeProblems(at, 'liveness', c.livenessProbe, d.probes.liveness),
        );
      }
      if (!sizing) continue;
      const res = obj(c.resources);
      for (const bound of ['requests', 'limits'] as const)
        for (const kind of ['cpu', 'memory'] as const) {
          const want = d.resources[bound][kind];
          const have = obj(res[bound])[kind];
          if (quantity(have, kind) !== quantity(want, kind))
            problems.push(
              `${at}: ${bound}.${kind} is ${String(have ?? 'missing')}; its descriptor says ${want}`,
            );
        }
      if (d.replicas !== undefined && obj(r.spec).replicas !== d.replicas)
        problems.push(`${at}: ${String(obj(r.spec).replicas)} replicas; its descriptor fixes ${d.replicas}`);
    }
  }
  return problems;
}

/**
 * Problems of the compose services of ours against their descriptors: every address a service listens on
 * (its `--*listen` flags) is on a port its descriptor declares, so the ports other services and
 * Prometheus reach are the ones the component documents.
 */
export function composeDescriptorProblems(root: string, compose: JsonObject): string[] {
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(obj(compose.services))) {
    const argv = list(obj(raw).command).map(String);
    const at = argv.findIndex((a) => workloadOf(root, a) !== undefined);
    const d = at < 0 ? undefined : workloadOf(root, argv[at]!);
    if (!d) continue;
    const args = argv.slice(at + 1);
    args.forEach((arg, i) => {
      const [flag, inline] = arg.split('=', 2);
      if (!flag?.startsWith('--') || !flag.endsWith('listen')) return;
      const port = Number(/:(\d+)$/.exec(inline ?? args[i + 1] ?? '')?.[1]);
      if (!d.ports.some((p) => p.port === port))
        problems.push(
          `compose service ${name} (${d.name}): ${flag} port ${port} is not a port of its descriptor`,
        );
    });
  }
  return problems;
}
