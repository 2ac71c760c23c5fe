/**
 * Reads the NetworkPolicies of a rendered overlay the way the API server applies them (ingress; egress
 * only as "is there a default deny", see namespaceProblems):
 * a pod is isolated once any policy selects it, and then a connection to one of its ports is allowed
 * when some selecting policy has an ingress rule whose ports include that port (or has no ports) and
 * whose `from` includes the peer (or is empty). Peers are described as `<namespace>/<app>` (the
 * app.kubernetes.io/name label), `<namespace>/*` for a whole namespace, or `*` for anyone.
 */
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const APP = 'app.kubernetes.io/name';

/** A pod template of a workload, with its namespace, labels and container ports. */
export interface PodInfo {
  namespace: string;
  app: string;
  labels: JsonObject;
  ports: { name?: string; containerPort: number }[];
}

function selects(selector: JsonObject, labels: JsonObject): boolean {
  for (const [k, v] of Object.entries(obj(selector.matchLabels))) if (labels[k] !== v) return false;
  for (const e of list(selector.matchExpressions)) {
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const value = labels[String(e.key)];
    if (e.operator === 'In' && !values.includes(String(value))) return false;
    if (e.operator === 'NotIn' && values.includes(String(value))) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

/** Every pod template of the Deployments, StatefulSets and DaemonSets in `resources`. */
export function podInfos(resources: JsonObject[]): PodInfo[] {
  return resources
    .filter((r) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(r.kind)))
    .map((r) => {
      const template = obj(obj(r.spec).template);
      const labels = obj(obj(template.metadata).labels);
      return {
        namespace: String(obj(r.metadata).namespace),
        app: String(labels[APP]),
        labels,
        ports: list(obj(template.spec).containers).flatMap((c) =>
          list(c.ports).map((p) => ({
            name: p.name as string | undefined,
            containerPort: Number(p.containerPort),
          })),
        ),
      };
    });
}

function peerNames(peer: JsonObject, policyNs: string, pods: PodInfo[]): string[] {
  const nsSel = peer.namespaceSelector;
  const podSel = peer.podSelector;
  if (peer.ipBlock !== undefined) return ['*'];
  let namespaces: string[];
  if (nsSel === undefined) namespaces = [policyNs];
  else {
    const name = obj(obj(nsSel).matchLabels)['kubernetes.io/metadata.name'];
    namespaces = typeof name === 'string' ? [name] : ['*'];
  }
  if (podSel === undefined || Object.keys(obj(podSel)).length === 0)
    return namespaces.map((ns) => (ns === '*' ? '*' : `${ns}/*`));
  const app = obj(obj(podSel).matchLabels)[APP];
  if (typeof app === 'string') return namespaces.map((ns) => `${ns}/${app}`);
  // A selector by other labels: name every known pod it selects.
  return pods
    .filter(
      (p) => (namespaces.includes('*') || namespaces.includes(p.namespace)) && selects(obj(podSel), p.labels),
    )
    .map((p) => `${p.namespace}/${p.app}`);
}

/** Whether any policy isolates the pod for ingress. */
export function isIsolated(resources: JsonObject[], pod: PodInfo): boolean {
  return resources.some(
    (r) =>
      r.kind === 'NetworkPolicy' &&
      String(obj(r.metadata).namespace) === pod.namespace &&
      selects(obj(obj(r.spec).podSelector), pod.labels),
  );
}

/** The peers allowed to reach `port` (a container port of `pod`); ['*'] when the pod is not isolated. */
export function allowedPeers(
  resources: JsonObject[],
  pod: PodInfo,
  port: { name?: string; containerPort: number },
): string[] {
  if (!isIsolated(resources, pod)) return ['*'];
  const pods = podInfos(resources);
  const peers = new Set<string>();
  for (const policy of resources.filter((r) => r.kind === 'NetworkPolicy')) {
    const ns = String(obj(policy.metadata).namespace);
    const spec = obj(policy.spec);
    if (ns !== pod.namespace || !selects(obj(spec.podSelector), pod.labels)) continue;
    for (const rule of list(spec.ingress)) {
      const ports = list(rule.ports);
      const portMatches =
        ports.length === 0 ||
        ports.some((p) => p.port === port.name || Number(p.port) === port.containerPort);
      if (!portMatches) continue;
      const from = list(rule.from);
      if (from.length === 0) peers.add('*');
      for (const peer of from) for (const name of peerNames(peer, ns, pods)) peers.add(name);
    }
  }
  return [...peers].sort();
}

/** Whether a policy of the namespace selects every pod for `type` (Ingress or Egress): a default deny. */
function hasDefaultDeny(resources: JsonObject[], namespace: string, type: 'Ingress' | 'Egress'): boolean {
  return resources.some((r) => {
    if (r.kind !== 'NetworkPolicy' || String(obj(r.metadata).namespace) !== namespace) return false;
    const spec = obj(r.spec);
    const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : ['Ingress'];
    const selector = obj(spec.podSelector);
    return types.includes(type) && Object.keys(selector).length === 0;
  });
}

/**
 * Namespace-wide problems: every namespace of the render carries a Pod Security Admission `enforce`
 * label (`restricted` unless listed in PRIVILEGED_NAMESPACES with the reason), and every namespace
 * that runs pods has a default-deny policy for ingress and for egress (a policy with an empty pod
 * selector), so a pod added later is closed until a policy opens it.
 */
export function namespaceProblems(resources: JsonObject[]): string[] {
  const problems: string[] = [];
  for (const ns of resources.filter((r) => r.kind === 'Namespace')) {
    const name = String(obj(ns.metadata).name);
    const level = obj(obj(ns.metadata).labels)['pod-security.kubernetes.io/enforce'];
    if (level === undefined) problems.push(`Namespace ${name}: no pod-security.kubernetes.io/enforce label`);
    else if (level !== 'restricted' && !PRIVILEGED_NAMESPACES[name]?.trim())
      problems.push(
        `Namespace ${name}: enforces ${String(level)}, not restricted, and PRIVILEGED_NAMESPACES gives no reason`,
      );
  }
  const namespaces = new Set(podInfos(resources).map((p) => p.namespace));
  for (const ns of namespaces)
    for (const type of ['Ingress', 'Egress'] as const)
      if (!hasDefaultDeny(resources, ns, type))
        problems.push(`namespace ${ns}: no default-deny ${type.toLowerCase()} NetworkPolicy`);
  return problems;
}

/**
 * Namespaces allowed a Pod Security level below `restricted`, and why (a namespace listed with an
 * empty reason counts as not listed). Keep it to the node agents: a pod that does not need the node
 * belongs in a restricted namespace.
 */
export const PRIVILEGED_NAMESPACES: Record<string, string> = {
  'opsight-node':
    'the node agents (Alloy or Promtail, dcgm-exporter) mount node paths (hostPath) and run as uid 0 ' +
    'to read root-owned files; nothing else runs there (warn and audit: restricted report each pod)',
};
