/**
 * Checks that the manifests start our services the way they run: the flags a Deployment or a compose
 * service passes are flags the service accepts (and none it requires is missing), the environment
 * variables set are ones it reads, passwords never travel as environment values, listen addresses match
 * the container ports, and probe and scrape paths are ones it serves. What a service accepts is its
 * workload descriptor, exported by its own package (`@opsight/<service>/workload`): a renamed flag or
 * variable changes the descriptor, and a manifest that still passes the old one fails here.
 */
import { resolve } from 'node:path';
import { OUR_WORKLOADS } from '@opsight/cli/workloads';
import type { WorkloadDescriptor } from '@opsight/contracts/workload';
import { TELEMETRY_REGISTER_ENV } from '@opsight/telemetry/workload';
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

/** Variables Node itself reads, accepted for every service. */
const NODE_ENV = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'TZ'];

/** What one service bin accepts, from its workload descriptor. */
export interface ServiceInterface {
  /** The compiled bin as manifests name it, e.g. `platform/model-router/dist/src/bin/model-router.js`. */
  readonly bin: string;
  /** The descriptor it comes from. */
  readonly workload: WorkloadDescriptor;
  readonly flags: ReadonlySet<string>;
  readonly requiredFlags: ReadonlySet<string>;
  readonly env: ReadonlySet<string>;
  /** Variables whose value is a secret: never a literal. */
  readonly secretEnv: ReadonlySet<string>;
  /** The paths it serves to deployers: its probes and its metrics. */
  readonly routes: ReadonlySet<string>;
  /** Whether it serves the gRPC health protocol (grpc.health.v1), which gRPC probes need. */
  readonly grpcHealth: boolean;
}

/**
 * The descriptor of ours whose bin is `bin`: a manifest's path, relative to the image's working directory
 * (the repository's root).
 */
export function workloadOf(root: string, bin: string): WorkloadDescriptor | undefined {
  if (!bin.endsWith('.js')) return undefined;
  const file = resolve(root, bin);
  return OUR_WORKLOADS.find((w) => w.binary.kind === 'node' && w.binary.file === file);
}

/**
 * What the bin `bin` (as a manifest names it) accepts; undefined when `bin` is not one of ours (or not in
 * this checkout).
 */
export function serviceInterface(root: string, bin: string): ServiceInterface | undefined {
  const workload = workloadOf(root, bin);
  if (!workload) return undefined;
  const flags = Object.entries(workload.flags);
  const env = Object.entries(workload.env);
  const { liveness, readiness } = workload.probes;
  return {
    bin,
    workload,
    flags: new Set(flags.map(([name]) => name)),
    requiredFlags: new Set(flags.filter(([, f]) => f.required).map(([name]) => name)),
    env: new Set([...NODE_ENV, ...env.map(([name]) => name)]),
    secretEnv: new Set(env.filter(([, v]) => v.secret).map(([name]) => name)),
    routes: new Set(
      [liveness?.path, readiness?.path, workload.metrics?.path].filter((p): p is string => p !== undefined),
    ),
    grpcHealth: false,
  };
}

/** Variables read by `@opsight/telemetry/register` when node preloads it (`--import`) before the bin. */
function preloadEnv(nodeArgs: readonly string[]): string[] {
  const preloaded = nodeArgs.some(
    (a, i) =>
      a === '--import=@opsight/telemetry/register' ||
      (a === '--import' && nodeArgs[i + 1] === '@opsight/telemetry/register'),
  );
  return preloaded ? Object.keys(TELEMETRY_REGISTER_ENV) : [];
}

/** A flag and its value as passed on a command line (`--flag value` or `--flag=value`). */
interface PassedFlag {
  readonly name: string;
  readonly value?: string;
}

function passedFlags(argv: readonly string[]): PassedFlag[] {
  const flags: PassedFlag[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) flags.push({ name: arg.slice(2, eq), value: arg.slice(eq + 1) });
    else {
      const next = argv[i + 1];
      const value = next !== undefined && !next.startsWith('--') ? next : undefined;
      if (value !== undefined) i++;
      flags.push({ name: arg.slice(2), value });
    }
  }
  return flags;
}

/** The part of `argv` after our bin, and the bin; undefined when the command runs none of ours. */
function splitCommand(
  root: string,
  argv: readonly string[],
): { bin: string; args: string[]; nodeArgs: string[] } | undefined {
  const at = argv.findIndex((a) => workloadOf(root, a) !== undefined);
  return at < 0 ? undefined : { bin: argv[at]!, args: argv.slice(at + 1), nodeArgs: argv.slice(0, at) };
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|API_KEY|CREDENTIAL/;

/** What a container or compose service gives the process. */
export interface Launch {
  /** Where it is declared, for messages. */
  readonly where: string;
  readonly argv: readonly string[];
  /** Variable names, with whether the value is a literal (or interpolated) rather than a secret reference. */
  readonly env: ReadonlyMap<string, { literal: boolean; value?: string }>;
  /** Container ports it declares, by name (numbers only for unnamed ones); undefined in compose. */
  readonly containerPorts?: ReadonlyMap<string, number>;
  /** HTTP probe paths. */
  readonly probePaths: readonly string[];
  /** Whether a probe uses the gRPC health protocol. */
  readonly grpcProbe?: boolean;
}

/** Ports of the `--*listen` flags and `*_LISTEN` variables. */
function listenPorts(flags: readonly PassedFlag[], launch: Launch): Map<string, string> {
  const listens = new Map<string, string>();
  for (const f of flags) if (f.name.endsWith('listen') && f.value) listens.set(`--${f.name}`, f.value);
  for (const [name, v] of launch.env) if (name.endsWith('_LISTEN') && v.value) listens.set(name, v.value);
  return listens;
}

/** Problems of one launch against the interface of the bin it runs; empty when it fits. */
export function launchProblems(root: string, launch: Launch): string[] {
  const split = splitCommand(root, launch.argv);
  if (!split) return [];
  const iface = serviceInterface(root, split.bin);
  if (!iface) return [];
  const problems: string[] = [];
  const at = `${launch.where} (${split.bin})`;
  const flags = passedFlags(split.args);
  for (const f of flags)
    if (!iface.flags.has(f.name)) problems.push(`${at}: passes --${f.name}, which it does not accept`);
  for (const r of iface.requiredFlags)
    if (!flags.some((f) => f.name === r)) problems.push(`${at}: omits --${r}, which it requires`);
  const preloaded = new Set(preloadEnv(split.nodeArgs));
  for (const [name, v] of launch.env) {
    if (!iface.env.has(name) && !preloaded.has(name))
      problems.push(`${at}: sets ${name}, which it does not read`);
    if ((SECRET_NAME.test(name) || iface.secretEnv.has(name)) && !name.endsWith('_FILE') && v.literal)
      problems.push(`${at}: ${name} is a literal value; take it from a Secret or a secret file`);
  }
  for (const [source, address] of listenPorts(flags, launch)) {
    const m = /^(.*):(\d+)$/.exec(address);
    if (!m) continue;
    if (m[1] === '127.0.0.1' || m[1] === 'localhost')
      problems.push(
        `${at}: ${source} ${address} listens on loopback, unreachable from outside the container`,
      );
    if (launch.containerPorts && ![...launch.containerPorts.values()].includes(Number(m[2])))
      problems.push(`${at}: ${source} ${address} is not a declared container port`);
  }
  for (const path of launch.probePaths)
    if (!iface.routes.has(path)) problems.push(`${at}: probes ${path}, which it does not serve`);
  if (launch.grpcProbe && !iface.grpcHealth)
    problems.push(`${at}: has a gRPC probe, but it does not serve grpc.health.v1`);
  return problems;
}

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The launches of every container of the Deployments, StatefulSets and DaemonSets in `resources`. */
export function kubernetesLaunches(resources: readonly JsonObject[]): Launch[] {
  const launches: Launch[] = [];
  for (const r of resources) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(r.kind))) continue;
    const pod = obj(obj(obj(r.spec).template).spec);
    for (const raw of [...list(pod.initContainers), ...list(pod.containers)]) {
      const c = obj(raw);
      const env = new Map<string, { literal: boolean; value?: string }>();
      for (const e of list(c.env)) {
        const { name, value, valueFrom } = obj(e);
        env.set(String(name), {
          literal: value !== undefined && valueFrom === undefined,
          ...(typeof value === 'string' ? { value } : {}),
        });
      }
      const probes = [c.readinessProbe, c.livenessProbe, c.startupProbe].map(obj);
      const probePaths = probes
        .map((p) => obj(p.httpGet).path)
        .filter((p): p is string => typeof p === 'string');
      launches.push({
        where: `${r.kind}/${String(obj(r.metadata).name)}/${String(c.name)}`,
        argv: [...list(c.command), ...list(c.args)].map(String),
        env,
        containerPorts: new Map(
          list(c.ports).map((p) => [
            String(obj(p).name ?? obj(p).containerPort),
            Number(obj(p).containerPort),
          ]),
        ),
        probePaths,
        grpcProbe: probes.some((p) => p.grpc !== undefined),
      });
    }
  }
  return launches;
}

/** The launches of every service of a parsed compose file (anchors and merge keys resolved). */
export function composeLaunches(compose: JsonObject): Launch[] {
  const launches: Launch[] = [];
  for (const [name, raw] of Object.entries(obj(compose.services))) {
    const s = obj(raw);
    const env = new Map<string, { literal: boolean; value?: string }>();
    const environment = s.environment;
    if (Array.isArray(environment))
      for (const e of environment) {
        const [key = '', ...rest] = String(e).split('=');
        env.set(key, { literal: rest.length > 0, value: rest.join('=') });
      }
    else
      for (const [key, value] of Object.entries(obj(environment)))
        env.set(key, { literal: true, value: String(value) });
    const probePaths = list(obj(s.healthcheck).test)
      .map(String)
      .flatMap((t) => [...t.matchAll(/https?:\/\/[^/\s]+(\/[^\s?]*)/g)].map((m) => m[1]!));
    launches.push({ where: `compose service ${name}`, argv: list(s.command).map(String), env, probePaths });
  }
  return launches;
}

/**
 * Ports the launched process listens on (its `--*listen` flags and `*_LISTEN` variables), and the one
 * of a metrics-specific listener (`--metrics-listen`) when it has one.
 */
function listenedPorts(root: string, launch: Launch): Set<number> & { metrics?: number } {
  const split = splitCommand(root, launch.argv);
  const ports: Set<number> & { metrics?: number } = new Set<number>();
  for (const [source, address] of listenPorts(passedFlags(split?.args ?? []), launch)) {
    const m = /:(\d+)$/.exec(address);
    if (!m) continue;
    ports.add(Number(m[1]));
    if (/metrics/i.test(source)) ports.metrics = Number(m[1]);
  }
  return ports;
}

function runsOurs(root: string, launch: Launch): boolean {
  const split = splitCommand(root, launch.argv);
  return split !== undefined && serviceInterface(root, split.bin) !== undefined;
}

function matches(labels: unknown, selector: unknown): boolean {
  const l = obj(labels);
  return Object.entries(obj(selector)).every(([k, v]) => l[k] === v);
}

/**
 * Problems of the ServiceMonitors and PodMonitors that scrape our services: the endpoint's port must
 * reach a container port the process listens on, and its path (default /metrics) must be a route the
 * service serves. Monitors of other components (exporters, engines) are left to their own checks.
 */
export function monitorProblems(root: string, resources: readonly JsonObject[]): string[] {
  const problems: string[] = [];
  const ns = (r: JsonObject) => String(obj(r.metadata).namespace ?? '');
  const workloads = resources.filter((r) =>
    ['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(r.kind)),
  );
  /** Our containers among `pods` that declare `port` (a name or a number). */
  const check = (where: string, pods: JsonObject[], port: string, path: string) => {
    // In a pod of several containers (nginx and its telemetry sidecar, an init container), the monitor's
    // port belongs to one of them: check that one, and report only when none of ours declares it.
    const ours = kubernetesLaunches(pods).flatMap((launch) => {
      const split = splitCommand(root, launch.argv);
      const iface = split && serviceInterface(root, split.bin);
      if (!iface || !launch.containerPorts) return [];
      const number =
        launch.containerPorts.get(port) ??
        [...launch.containerPorts.values()].find((n) => String(n) === port);
      return [{ launch, iface, number }];
    });
    if (ours.length > 0 && ours.every((o) => o.number === undefined)) {
      problems.push(
        `${where}: port ${port} is not a port of ${ours.map((o) => o.launch.where).join(' or ')}`,
      );
    }
    for (const { launch, iface, number } of ours) {
      if (number === undefined) continue;
      const listened = listenedPorts(root, launch);
      if (!listened.has(number)) problems.push(`${where}: ${launch.where} does not listen on ${number}`);
      else if (listened.metrics !== undefined && listened.metrics !== number)
        problems.push(`${where}: ${launch.where} serves metrics on ${listened.metrics}, not ${number}`);
      if (!iface.routes.has(path)) problems.push(`${where}: ${launch.where} does not serve ${path}`);
    }
  };
  for (const monitor of resources) {
    const spec = obj(monitor.spec);
    const names = list(obj(spec.namespaceSelector).matchNames).map(String);
    const namespaces = names.length > 0 ? names : [ns(monitor)];
    const where = `${monitor.kind}/${String(obj(monitor.metadata).name)}`;
    const selector = obj(spec.selector).matchLabels;
    if (monitor.kind === 'ServiceMonitor') {
      const services = resources.filter(
        (r) =>
          r.kind === 'Service' && namespaces.includes(ns(r)) && matches(obj(r.metadata).labels, selector),
      );
      for (const service of services)
        for (const endpoint of list(spec.endpoints).map(obj)) {
          const port = list(obj(service.spec).ports)
            .map(obj)
            .find((p) => p.name === endpoint.port);
          const pods = workloads.filter(
            (w) =>
              ns(w) === ns(service) &&
              matches(obj(obj(obj(w.spec).template).metadata).labels, obj(service.spec).selector),
          );
          if (!port) {
            if (kubernetesLaunches(pods).some((l) => runsOurs(root, l)))
              problems.push(
                `${where}: Service ${String(obj(service.metadata).name)} has no port ${String(endpoint.port)}`,
              );
            continue;
          }
          check(where, pods, String(port.targetPort ?? port.port), String(endpoint.path ?? '/metrics'));
        }
    } else if (monitor.kind === 'PodMonitor') {
      const pods = workloads.filter(
        (w) =>
          namespaces.includes(ns(w)) && matches(obj(obj(obj(w.spec).template).metadata).labels, selector),
      );
      for (const endpoint of list(spec.podMetricsEndpoints).map(obj))
        check(where, pods, String(endpoint.port), String(endpoint.path ?? '/metrics'));
    }
  }
  return problems;
}
