/**
 * Pod Security Admission, checked before admission: every pod of a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted` must meet the Kubernetes `restricted` profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/), which the API server would
 * otherwise refuse only at apply time. Pods are the templates of Deployments, StatefulSets and
 * DaemonSets, and the pods the Prometheus Operator makes from Prometheus and Alertmanager objects
 * (their `securityContext`, `containers` and `initContainers`; the operator's own config-reloader
 * meets the profile). ROOT_ALLOWED does not apply in a restricted namespace.
 */
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const nameOf = (r: JsonObject): string => String(obj(r.metadata).name);
const nsOf = (r: JsonObject): string => String(obj(r.metadata).namespace ?? '');

/** Volume types the restricted profile admits. */
const RESTRICTED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
/** Sysctls the baseline (and so restricted) profile admits. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/** The names of the namespaces of `resources` that enforce `restricted`. */
export function restrictedNamespaces(resources: JsonObject[]): Set<string> {
  return new Set(
    resources
      .filter(
        (r) =>
          r.kind === 'Namespace' &&
          obj(obj(r.metadata).labels)['pod-security.kubernetes.io/enforce'] === 'restricted',
      )
      .map(nameOf),
  );
}

interface PodSpecOf {
  id: string;
  namespace: string;
  spec: JsonObject;
}

function podSpecs(resources: JsonObject[]): PodSpecOf[] {
  const out: PodSpecOf[] = [];
  for (const r of resources) {
    const id = `${String(r.kind)}/${nsOf(r)}/${nameOf(r)}`;
    if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(r.kind)))
      out.push({ id, namespace: nsOf(r), spec: obj(obj(obj(r.spec).template).spec) });
    else if (r.kind === 'Prometheus' || r.kind === 'Alertmanager')
      // The operator builds the pod from these fields; a volume it adds itself is an allowed type.
      out.push({ id, namespace: nsOf(r), spec: obj(r.spec) });
  }
  return out;
}

/** Why one pod spec does not meet `restricted`; empty when it does. */
export function restrictedProblems(spec: JsonObject): string[] {
  const problems: string[] = [];
  const podSec = obj(spec.securityContext);
  if (spec.hostNetwork === true || spec.hostPID === true || spec.hostIPC === true)
    problems.push('uses host namespaces (hostNetwork, hostPID or hostIPC)');
  for (const v of list(spec.volumes)) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type !== undefined && !RESTRICTED_VOLUMES.includes(type))
      problems.push(`volume ${String(v.name)} is of type ${type}`);
  }
  for (const s of list(podSec.sysctls))
    if (!SAFE_SYSCTLS.has(String(s.name))) problems.push(`sets the unsafe sysctl ${String(s.name)}`);
  if (podSec.runAsUser === 0) problems.push('pod securityContext.runAsUser is 0');
  const podSeccomp = obj(podSec.seccompProfile).type;
  const containers = [
    ...list(spec.containers),
    ...list(spec.initContainers),
    ...list(spec.ephemeralContainers),
  ];
  for (const c of containers) {
    const cid = `container ${String(c.name)}`;
    const sec = obj(c.securityContext);
    if (sec.privileged === true) problems.push(`${cid}: privileged`);
    if (sec.allowPrivilegeEscalation !== false)
      problems.push(`${cid}: allowPrivilegeEscalation is not false`);
    const caps = obj(sec.capabilities);
    if (!Array.isArray(caps.drop) || !caps.drop.includes('ALL'))
      problems.push(`${cid}: capabilities do not drop ALL`);
    const added = Array.isArray(caps.add) ? caps.add.map(String) : [];
    for (const cap of added.filter((x) => x !== 'NET_BIND_SERVICE'))
      problems.push(`${cid}: adds capability ${cap}`);
    const nonRoot = sec.runAsNonRoot ?? podSec.runAsNonRoot;
    if (nonRoot !== true) problems.push(`${cid}: runAsNonRoot is not true (pod or container)`);
    if (sec.runAsUser === 0) problems.push(`${cid}: runAsUser is 0`);
    const seccomp = obj(sec.seccompProfile).type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${cid}: seccompProfile is not RuntimeDefault or Localhost (pod or container)`);
    if (sec.procMount !== undefined && sec.procMount !== 'Default') problems.push(`${cid}: procMount`);
    const selinux = obj(sec.seLinuxOptions);
    if (selinux.user !== undefined || selinux.role !== undefined)
      problems.push(`${cid}: sets SELinux user or role`);
    for (const p of list(c.ports))
      if (p.hostPort !== undefined && p.hostPort !== 0)
        problems.push(`${cid}: hostPort ${String(p.hostPort)}`);
  }
  return problems;
}

/** Every pod of a restricted namespace in `resources` that the profile would refuse, and why. */
export function podSecurityProblems(resources: JsonObject[]): string[] {
  const restricted = restrictedNamespaces(resources);
  return podSpecs(resources)
    .filter((p) => restricted.has(p.namespace))
    .flatMap((p) =>
      restrictedProblems(p.spec).map((why) => `${p.id}: ${why} (namespace enforces restricted)`),
    );
}
