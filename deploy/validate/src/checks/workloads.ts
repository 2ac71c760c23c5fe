/**
 * Rules every rendered workload must follow, beyond what the schemas say: selectors match the pod
 * template, every container has requests and limits, readiness and liveness probes (init containers
 * excepted) and a locked-down securityContext (no privilege escalation, read-only root filesystem,
 * every capability dropped), and pods run as non-root unless listed in ROOT_ALLOWED with the reason.
 * References must resolve: ConfigMaps, Secrets and ServiceAccounts used by a pod exist in the render,
 * Services select some pod and name ports it has, monitors select a Service or pod with that port and
 * take the job name from app.kubernetes.io/name, as the local stack names jobs after the app.
 */
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';
import { podSecurityProblems } from './pod-security.js';

/**
 * Workloads that run as uid 0, and why (each drops every capability and has a read-only root). Only
 * outside a `restricted` namespace: pod-security.ts refuses uid 0 there whatever this list says.
 */
export const ROOT_ALLOWED: Record<string, string> = {
  'opsight-node/alloy': 'reads the kubelet log files under /var/log/pods (root-owned, 0640)',
  'opsight-node/promtail': 'reads the kubelet log files under /var/log/pods (root-owned, 0640)',
  'opsight-node/dcgm-exporter': 'opens the GPU devices the NVIDIA runtime injects',
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

type Obj = JsonObject;
const obj = (v: unknown): Obj => (isObject(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObject) : []);
const nameOf = (r: Obj): string => String(obj(r.metadata).name);
const nsOf = (r: Obj): string => String(obj(r.metadata).namespace ?? '');

function matches(selector: Obj, labels: Obj): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

interface Pod {
  id: string;
  namespace: string;
  labels: Obj;
  spec: Obj;
}

function pods(resources: Obj[]): Pod[] {
  return resources
    .filter((r) => WORKLOAD_KINDS.has(String(r.kind)))
    .map((r) => {
      const template = obj(obj(r.spec).template);
      return {
        id: `${r.kind}/${nsOf(r)}/${nameOf(r)}`,
        namespace: nsOf(r),
        labels: obj(obj(template.metadata).labels),
        spec: obj(template.spec),
      };
    });
}

function containerPorts(pod: Pod): Obj[] {
  return list(pod.spec.containers).flatMap((c) => list(c.ports));
}

/** Whether a (Cluster)RoleBinding gives the ServiceAccount list and watch on pods. */
function canWatchPods(resources: Obj[], ns: string, sa: string): boolean {
  return resources
    .filter((r) => r.kind === 'ClusterRoleBinding' || (r.kind === 'RoleBinding' && nsOf(r) === ns))
    .filter((b) =>
      list(b.subjects).some((s) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === ns),
    )
    .some((b) => {
      const ref = obj(b.roleRef);
      const role = resources.find(
        (r) => r.kind === ref.kind && nameOf(r) === ref.name && (r.kind === 'ClusterRole' || nsOf(r) === ns),
      );
      return list(role?.rules).some((rule) => {
        const kinds = Array.isArray(rule.resources) ? rule.resources : [];
        const verbs = Array.isArray(rule.verbs) ? rule.verbs : [];
        return kinds.includes('pods') && verbs.includes('list') && verbs.includes('watch');
      });
    });
}

/** Every problem found in a rendered overlay; `external` names Secrets created outside the render. */
export function workloadProblems(resources: Obj[], external: string[] = []): string[] {
  const problems: string[] = [];
  const has = (kind: string, ns: string, name: string) =>
    external.includes(`${kind}/${ns}/${name}`) ||
    resources.some((r) => r.kind === kind && nsOf(r) === ns && nameOf(r) === name);

  for (const r of resources.filter((x) => WORKLOAD_KINDS.has(String(x.kind)))) {
    const id = `${r.kind}/${nsOf(r)}/${nameOf(r)}`;
    const spec = obj(r.spec);
    const template = obj(spec.template);
    if (!matches(obj(obj(spec.selector).matchLabels), obj(obj(template.metadata).labels)))
      problems.push(`${id}: selector does not match the pod template's labels`);
    const podSpec = obj(template.spec);
    const podSec = obj(podSpec.securityContext);
    const rootOk = `${nsOf(r)}/${nameOf(r)}` in ROOT_ALLOWED;
    if (!rootOk && podSec.runAsNonRoot !== true)
      problems.push(`${id}: pod securityContext.runAsNonRoot is not true`);
    if (obj(podSec.seccompProfile).type !== 'RuntimeDefault')
      problems.push(`${id}: seccompProfile is not RuntimeDefault`);
    const containers = list(podSpec.containers);
    for (const [c, isInit] of [
      ...containers.map((x) => [x, false] as const),
      ...list(podSpec.initContainers).map((x) => [x, true] as const),
    ]) {
      const cid = `${id} container ${String(c.name)}`;
      const res = obj(c.resources);
      for (const part of ['requests', 'limits'])
        for (const k of ['cpu', 'memory'])
          if (obj(res[part])[k] === undefined) problems.push(`${cid}: no ${part}.${k}`);
      if (!isInit && (c.readinessProbe === undefined || c.livenessProbe === undefined))
        problems.push(`${cid}: needs a readiness and a liveness probe`);
      const sec = obj(c.securityContext);
      if (sec.allowPrivilegeEscalation !== false)
        problems.push(`${cid}: allowPrivilegeEscalation is not false`);
      if (sec.readOnlyRootFilesystem !== true) problems.push(`${cid}: readOnlyRootFilesystem is not true`);
      const drop = obj(sec.capabilities).drop;
      if (!Array.isArray(drop) || !drop.includes('ALL'))
        problems.push(`${cid}: capabilities do not drop ALL`);
      if (obj(sec.capabilities).add !== undefined) problems.push(`${cid}: adds capabilities`);
      for (const env of list(c.env)) {
        const ref = obj(obj(env.valueFrom).secretKeyRef);
        if (ref.name !== undefined && !has('Secret', nsOf(r), String(ref.name)))
          problems.push(`${cid}: env ${String(env.name)} uses missing Secret ${String(ref.name)}`);
      }
      const volumes = new Set(
        [...list(podSpec.volumes), ...list(spec.volumeClaimTemplates).map((t) => obj(t.metadata))].map(
          (v) => v.name,
        ),
      );
      for (const m of list(c.volumeMounts))
        if (!volumes.has(m.name)) problems.push(`${cid}: mounts undefined volume ${String(m.name)}`);
      const portNames = new Set(list(c.ports).map((p) => p.name));
      for (const probe of [c.readinessProbe, c.livenessProbe].map(obj)) {
        const port = obj(probe.httpGet).port ?? obj(probe.tcpSocket).port;
        if (typeof port === 'string' && !portNames.has(port))
          problems.push(`${cid}: probe uses unknown port ${port}`);
      }
    }
    for (const v of list(podSpec.volumes)) {
      const cm = obj(v.configMap).name;
      if (cm !== undefined && !has('ConfigMap', nsOf(r), String(cm)))
        problems.push(`${id}: volume ${String(v.name)} uses missing ConfigMap ${String(cm)}`);
      const secret = obj(v.secret).secretName;
      if (secret !== undefined && !has('Secret', nsOf(r), String(secret)))
        problems.push(`${id}: volume ${String(v.name)} uses missing Secret ${String(secret)}`);
    }
    const sa = podSpec.serviceAccountName;
    if (sa === undefined) {
      if (podSpec.automountServiceAccountToken !== false)
        problems.push(`${id}: no ServiceAccount of its own, so automountServiceAccountToken must be false`);
    } else {
      if (!has('ServiceAccount', nsOf(r), String(sa)))
        problems.push(`${id}: ServiceAccount ${String(sa)} is missing`);
      if (!canWatchPods(resources, nsOf(r), String(sa)))
        problems.push(
          `${id}: ServiceAccount ${String(sa)} is not bound to a role that can list and watch pods`,
        );
    }
  }

  // Pods in a namespace that enforces `restricted` must meet that profile (pod-security.ts).
  problems.push(...podSecurityProblems(resources));

  // The API server refuses a ConfigMap or Secret whose data exceeds 1 MiB (the dashboards grow).
  for (const r of resources.filter((x) => x.kind === 'ConfigMap' || x.kind === 'Secret')) {
    const size = Object.values(obj(r.data)).reduce<number>((n, v) => n + Buffer.byteLength(String(v)), 0);
    if (size > 1024 * 1024)
      problems.push(`${r.kind}/${nsOf(r)}/${nameOf(r)}: ${size} bytes of data, over the 1 MiB limit`);
  }

  const allPods = pods(resources);
  const operatorManaged = new Set(['prometheus', 'alertmanager']);
  for (const svc of resources.filter((r) => r.kind === 'Service')) {
    const selector = obj(obj(svc.spec).selector);
    if (operatorManaged.has(String(selector['app.kubernetes.io/name']))) continue;
    const targets = allPods.filter((p) => p.namespace === nsOf(svc) && matches(selector, p.labels));
    const id = `Service/${nsOf(svc)}/${nameOf(svc)}`;
    if (targets.length === 0) {
      problems.push(`${id}: selects no pod`);
      continue;
    }
    for (const port of list(obj(svc.spec).ports)) {
      if (
        typeof port.targetPort === 'string' &&
        !targets.every((p) => containerPorts(p).some((cp) => cp.name === port.targetPort))
      )
        problems.push(`${id}: targetPort ${port.targetPort} is not a container port of the selected pods`);
    }
  }

  for (const mon of resources.filter((r) => r.kind === 'ServiceMonitor' || r.kind === 'PodMonitor')) {
    const spec = obj(mon.spec);
    const namespaces = obj(spec.namespaceSelector).matchNames;
    const nsList = Array.isArray(namespaces) ? namespaces.map(String) : [nsOf(mon)];
    const selector = obj(obj(spec.selector).matchLabels);
    const id = `${mon.kind}/${nsOf(mon)}/${nameOf(mon)}`;
    if (spec.jobLabel !== 'app.kubernetes.io/name')
      problems.push(`${id}: jobLabel is not app.kubernetes.io/name (job = the app, as locally)`);
    if (mon.kind === 'ServiceMonitor') {
      const services = resources.filter(
        (r) =>
          r.kind === 'Service' && nsList.includes(nsOf(r)) && matches(selector, obj(obj(r.metadata).labels)),
      );
      for (const ep of list(spec.endpoints)) {
        if (!services.some((s) => list(obj(s.spec).ports).some((p) => p.name === ep.port)))
          problems.push(`${id}: no selected Service has a port named ${String(ep.port)}`);
      }
    } else {
      const selected = allPods.filter((p) => nsList.includes(p.namespace) && matches(selector, p.labels));
      for (const ep of list(spec.podMetricsEndpoints)) {
        if (!selected.some((p) => containerPorts(p).some((cp) => cp.name === ep.port)))
          problems.push(`${id}: no selected pod has a port named ${String(ep.port)}`);
      }
    }
  }
  return problems;
}
