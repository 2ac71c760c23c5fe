/**
 * Declarative component specifications: what the supervisor runs, shaped after a Kubernetes pod with one
 * container, so that the same names (namespace, pod, container, app) appear locally and in a cluster.
 */

/** How a probe checks a component. Exactly one of `http`, `tcp` or `exec` is set. */
export interface ProbeSpec {
  /**
   * GET `http://host:port/path`; a status in 200..399 passes. `headers` go with the request (as
   * Kubernetes' `httpHeaders`: an `Authorization` for a server that wants one on every path).
   */
  http?: { port: number; path?: string; host?: string; headers?: Record<string, string> };
  /** A TCP connection to `host:port` passes. */
  tcp?: { port: number; host?: string };
  /** A command that exits 0 passes. Runs as the component's user, with the component's environment. */
  exec?: { command: string; args?: string[] };
  /**
   * Wait before the first probe.
   * @default 0
   */
  initialDelayMs?: number;
  /**
   * Time between probes (for a readiness probe: until the component is first ready).
   * @default 1000 for readiness, 10000 for liveness
   */
  periodMs?: number;
  /**
   * Readiness probes only: time between probes once the component is ready, as Kubernetes hands over
   * from a quick startup probe to a slower readiness probe. A fast period is for a quick start; kept up
   * afterwards it costs every component a probe several times a second (an exec probe, a process).
   * @default the larger of periodMs and 5000
   */
  readyPeriodMs?: number;
  /**
   * A probe that takes longer fails.
   * @default 2000
   */
  timeoutMs?: number;
  /**
   * Consecutive failures after which a ready component becomes unready (readiness) or is restarted (liveness).
   * @default 3
   */
  failureThreshold?: number;
}

/** A step that runs to completion before the main process starts, like a Kubernetes init container. */
export interface InitStepSpec {
  /** Name shown in status and used for the step's log file. */
  name: string;
  /** Program to run (absolute path, or a name looked up in PATH). */
  command: string;
  /** @default [] */
  args?: string[];
  /** Added to the component's environment. */
  env?: Record<string, string>;
  /**
   * The step is skipped when this returns true (for example: the data directory already exists).
   * @default the step always runs
   */
  skipIf?: () => boolean;
}

/** A port the component listens on, checked to be free before the component starts. */
export interface PortSpec {
  /** Port name, as in a Kubernetes container port (`http`, `metrics`, `grpc`, …). */
  name: string;
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/** When to restart a component whose process ended. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** A component: one supervised process (a container) with its own pod identity. */
export interface ComponentSpec {
  /** Container name; unique within the supervisor. */
  name: string;
  /**
   * Kubernetes namespace it would run in.
   * @default 'opsight'
   */
  namespace?: string;
  /**
   * Value of the `app` label.
   * @default the component's name
   */
  app?: string;
  /**
   * Pod name.
   * @default `${app}-0`
   */
  pod?: string;
  /** Further pod labels, exported in `kube_pod_labels` and written beside the logs. */
  labels?: Record<string, string>;
  /** Program to run (absolute path, or a name looked up in PATH). */
  command: string;
  /** @default [] */
  args?: string[];
  /** Environment added to the supervisor's own (values here win). */
  env?: Record<string, string>;
  /**
   * Working directory.
   * @default the supervisor's working directory
   */
  cwd?: string;
  /**
   * System user to run as (needs root). PostgreSQL, for example, refuses to run as root.
   * @default the supervisor's user
   */
  user?: string;
  /** Ports the component listens on; each must be free before it starts. */
  ports?: PortSpec[];
  /**
   * Where Prometheus scrapes the component's metrics; `basicAuth` when the endpoint wants credentials
   * (Prometheus reads the password from the file).
   */
  metrics?: {
    port: number;
    path?: string;
    host?: string;
    basicAuth?: { username: string; passwordFile: string };
  };
  /** Steps run in order, each to completion, before the main process; a failing step fails the start. */
  initSteps?: InitStepSpec[];
  /**
   * Decides when the component is ready; dependents start only then.
   * @default ready as soon as the process has started (a job: once it exited 0)
   */
  readinessProbe?: ProbeSpec;
  /** A component failing this probe `failureThreshold` times in a row is restarted. */
  livenessProbe?: ProbeSpec;
  /**
   * A `service` runs until stopped; a `job` runs to completion, and dependents wait for it to succeed.
   * @default 'service'
   */
  kind?: 'service' | 'job';
  /**
   * @default 'Always' for a service, 'OnFailure' for a job
   */
  restartPolicy?: RestartPolicy;
  /** Back-off between restarts: doubles from `initialMs` up to `maxMs`; reset after `resetAfterMs` running. */
  backoff?: {
    /** @default 1000 */
    initialMs?: number;
    /** @default 60000 */
    maxMs?: number;
    /** @default 60000 */
    resetAfterMs?: number;
  };
  /**
   * Resource limits. Memory is enforced on the process tree (killed, reason OOMKilled); CPU is enforced
   * with a control group quota where control groups can be written (root), and reported everywhere.
   */
  resources?: {
    limits?: {
      /** CPU limit in cores (0.5 = 500m). Exported as `kube_pod_container_resource_limits{resource="cpu"}`. */
      cpu?: number;
      /** Memory limit in bytes, measured as the proportional set size of the whole process tree. */
      memoryBytes?: number;
    };
  };
  /** Components that must be ready (a job: completed) before this one starts. */
  dependsOn?: string[];
  /**
   * Signal sent to the main process on stop.
   * @default 'SIGTERM'
   */
  stopSignal?: NodeJS.Signals;
  /**
   * Time between the stop signal and SIGKILL of the whole process tree.
   * @default 10000
   */
  terminationGracePeriodMs?: number;
  /**
   * Consecutive failed starts after which the component is reported as failing (`up` gives up on it).
   * @default 5
   */
  failureThreshold?: number;
}

/** Thrown for a spec that cannot run; `field` names the offending field. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(
    readonly component: string,
    readonly field: string,
    message: string,
  ) {
    super(`component "${component}": ${field}: ${message}`);
  }
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a set of specs: names, ports, probes and dependencies (known, acyclic). Throws {@link SpecError}. */
export function validateSpecs(specs: readonly ComponentSpec[]): void {
  const byName = new Map<string, ComponentSpec>();
  const portOwner = new Map<string, string>();
  for (const spec of specs) {
    const id = spec.name ?? '?';
    if (typeof spec.name !== 'string' || !NAME.test(spec.name) || spec.name.length > 63) {
      throw new SpecError(id, 'name', 'must be a DNS label (lower-case letters, digits, "-"; at most 63)');
    }
    if (byName.has(spec.name)) throw new SpecError(id, 'name', 'is used by two components');
    byName.set(spec.name, spec);
    if (typeof spec.command !== 'string' || spec.command === '') {
      throw new SpecError(id, 'command', 'is required');
    }
    for (const p of spec.ports ?? []) {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        throw new SpecError(id, `ports.${p.name}`, `port ${p.port} is not in 1..65535`);
      }
      const key = `${p.host ?? '127.0.0.1'}:${p.port}`;
      const other = portOwner.get(key);
      if (other) throw new SpecError(id, `ports.${p.name}`, `port ${p.port} is also declared by "${other}"`);
      portOwner.set(key, spec.name);
    }
    for (const [field, probe] of [
      ['readinessProbe', spec.readinessProbe],
      ['livenessProbe', spec.livenessProbe],
    ] as const) {
      if (!probe) continue;
      const kinds = [probe.http, probe.tcp, probe.exec].filter(Boolean).length;
      if (kinds !== 1) throw new SpecError(id, field, 'needs exactly one of http, tcp or exec');
    }
    const mem = spec.resources?.limits?.memoryBytes;
    if (mem !== undefined && (!Number.isFinite(mem) || mem <= 0)) {
      throw new SpecError(id, 'resources.limits.memoryBytes', 'must be a positive number of bytes');
    }
    const cpu = spec.resources?.limits?.cpu;
    if (cpu !== undefined && (!Number.isFinite(cpu) || cpu <= 0)) {
      throw new SpecError(id, 'resources.limits.cpu', 'must be a positive number of cores');
    }
  }
  for (const spec of specs) {
    for (const dep of spec.dependsOn ?? []) {
      if (!byName.has(dep)) throw new SpecError(spec.name, 'dependsOn', `unknown component "${dep}"`);
    }
  }
  // Cycle check (depth-first, three colours).
  const colour = new Map<string, 1 | 2>();
  const visit = (name: string, path: string[]): void => {
    if (colour.get(name) === 2) return;
    if (colour.get(name) === 1) {
      throw new SpecError(name, 'dependsOn', `dependency cycle: ${[...path, name].join(' → ')}`);
    }
    colour.set(name, 1);
    for (const dep of byName.get(name)?.dependsOn ?? []) visit(dep, [...path, name]);
    colour.set(name, 2);
  };
  for (const spec of specs) visit(spec.name, []);
}
