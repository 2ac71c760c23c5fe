/**
 * How each component of the platform runs, declared once by the component's own package and read by every
 * deployer: the local supervisor builds its specs from it, and the Kubernetes manifests and the compose
 * file are checked against it. A descriptor says what the component is (its program, flags, environment,
 * ports, probes, resources, logs); where it runs (addresses, data directories, secrets) is the deployer's.
 */
import { fileURLToPath } from 'node:url';

/** A Kubernetes CPU quantity: whole or fractional cores (`"1"`, `"0.5"`) or millicores (`"250m"`). */
export type CpuQuantity = `${number}` | `${number}m`;

/** A Kubernetes memory quantity in binary units: `"256Mi"`, `"1Gi"`. */
export type MemoryQuantity = `${number}Mi` | `${number}Gi`;

/** CPU and memory, as Kubernetes writes them. */
export interface ResourceQuantities {
  /** CPU, in cores or millicores. */
  readonly cpu: CpuQuantity;
  /** Memory, in MiB or GiB. */
  readonly memory: MemoryQuantity;
}

/** What the component asks for and may not exceed. */
export interface WorkloadResources {
  /** What the scheduler reserves for it. */
  readonly requests: ResourceQuantities;
  /** Where it is throttled (CPU) or killed (memory). */
  readonly limits: ResourceQuantities;
}

/**
 * How to start the component: one of our programs, a bin of a workspace package run by node, or a
 * program that is not ours (nginx), run by name.
 */
export type WorkloadBinary =
  | {
      /** A bin of one of our packages, run by node. */
      readonly kind: 'node';
      /** The package that ships it, by name (`@opsight/model-router`). */
      readonly package: string;
      /** Its name in the package's `bin` table (`opsight-model-router`). */
      readonly bin: string;
      /**
       * The compiled program's absolute path on this machine, resolved by the package itself (so it
       * follows the package wherever it lives).
       */
      readonly file: string;
    }
  | {
      /** A program that is not ours, found by name in the image or on PATH. */
      readonly kind: 'program';
      /** The program's name (`nginx`). */
      readonly command: string;
    };

/** One flag of the component's command line. */
export interface WorkloadFlag {
  /** What it sets. */
  readonly description: string;
  /** Whether the component refuses to start without it. @default false */
  readonly required?: boolean;
  /** Whether it may be given more than once. @default false */
  readonly multiple?: boolean;
  /** The value used when the flag is absent (as written on a command line). */
  readonly default?: string;
}

/** One environment variable the component reads. */
export interface WorkloadEnvVar {
  /** What it sets. */
  readonly description: string;
  /** The value used when the variable is unset. */
  readonly default?: string;
  /**
   * Whether its value is a secret: deployers take it from a Secret or a secret file, never a literal.
   * @default false
   */
  readonly secret?: boolean;
}

/** The names a port may have: its protocol's role (`web`: an engine's UI and API). */
export type WorkloadPortName =
  | 'http'
  | 'grpc'
  | 'metrics'
  | 'otlp-http'
  | 'otlp-grpc'
  | 'query'
  | 'web'
  | 'postgres'
  | 'redis';

/** One port the component listens on. */
export interface WorkloadPort {
  /** Its name; probes, the metrics endpoint and Services refer to ports by name. */
  readonly name: WorkloadPortName;
  /** The port inside a container (deployers on one machine map it to their own). */
  readonly port: number;
}

/** A probe of one of the component's ports: an HTTP GET, or a TCP connection where there is no path. */
export interface WorkloadProbe {
  /** The path probed; 2xx is healthy. Absent: a TCP connection that opens is healthy. */
  readonly path?: string;
  /** The name of the port probed (one of `ports`). */
  readonly port: WorkloadPortName;
  /** Seconds between probes. @default 10 */
  readonly periodSeconds?: number;
  /** Failures in a row before the probe counts as failed. @default 3 */
  readonly failureThreshold?: number;
}

/** Where Prometheus scrapes the component. */
export interface WorkloadMetrics {
  /** The name of the port (one of `ports`). */
  readonly port: WorkloadPortName;
  /** The path of the exposition. */
  readonly path: string;
}

/**
 * What the component writes on stdout and stderr:
 * - `json`: one JSON object per line with the catalog's log fields (`@opsight/catalog` LOG_FIELDS);
 * - `nginx-access-json`: nginx's error log on stderr, its JSON access log in a file a sidecar reads;
 * - `text`: the plain lines of a program that is not ours.
 */
export type WorkloadLogFormat = 'json' | 'nginx-access-json' | 'text';

/** How one component runs. */
export interface WorkloadDescriptor {
  /** The component's name: its container, its `app` label, its service name in traces and logs. */
  readonly name: string;
  /** The part of the system it belongs to, and the namespace it runs in. */
  readonly namespace: 'platform' | 'monitoring' | 'data';
  /** One line: what it does. */
  readonly summary: string;
  /** How to start it. */
  readonly binary: WorkloadBinary;
  /** Arguments placed before the component's own flags (a node bin's `--enable-source-maps`). */
  readonly runtimeArgs?: readonly string[];
  /** Every flag it accepts, by name without the leading `--`. */
  readonly flags: Readonly<Record<string, WorkloadFlag>>;
  /** Every environment variable it reads, by name. */
  readonly env: Readonly<Record<string, WorkloadEnvVar>>;
  /** Every port it listens on; names and numbers are unique. */
  readonly ports: readonly WorkloadPort[];
  /** Its probes; a component without a readiness probe is ready once started. */
  readonly probes: {
    /** A failing liveness probe restarts the component. */
    readonly liveness?: WorkloadProbe;
    /** Dependents and traffic wait for the readiness probe. */
    readonly readiness?: WorkloadProbe;
  };
  /** Its resources in a cluster. */
  readonly resources: WorkloadResources;
  /** Where Prometheus scrapes it; absent when it exports no metrics. */
  readonly metrics?: WorkloadMetrics;
  /** What it writes on stdout and stderr. */
  readonly logFormat: WorkloadLogFormat;
  /** The number of replicas where it is fixed (a singleton); absent where deployers choose. */
  readonly replicas?: number;
  /** The signal that stops it gracefully. @default 'SIGTERM' */
  readonly stopSignal?: 'SIGTERM' | 'SIGQUIT' | 'SIGINT';
}

/**
 * A node bin of the calling package: `nodeBinary('@opsight/model-router', 'opsight-model-router',
 * new URL('./bin/model-router.js', import.meta.url))`, the URL relative to the descriptor's own module.
 */
export function nodeBinary(pkg: string, bin: string, file: URL): WorkloadBinary {
  return { kind: 'node', package: pkg, bin, file: fileURLToPath(file) };
}

/** Cores of a CPU quantity: `"250m"` → 0.25. */
export function cpuCores(quantity: CpuQuantity): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** Bytes of a memory quantity: `"256Mi"` → 268435456. */
export function memoryBytes(quantity: MemoryQuantity): number {
  const unit = quantity.endsWith('Gi') ? 1024 ** 3 : 1024 ** 2;
  return Number(quantity.slice(0, -2)) * unit;
}

/** The port named `name`; throws when the descriptor has none (a descriptor that refers to a missing port). */
export function workloadPort(descriptor: WorkloadDescriptor, name: WorkloadPortName): WorkloadPort {
  const port = descriptor.ports.find((p) => p.name === name);
  if (!port) throw new Error(`${descriptor.name}: no port named ${name}`);
  return port;
}

/**
 * The descriptor's inconsistencies: duplicate port names or numbers, probes or metrics on a port it does
 * not declare, relative paths, a secret with a default, requests above limits. Empty when it is sound.
 */
export function descriptorProblems(d: WorkloadDescriptor): string[] {
  const problems: string[] = [];
  const names = new Set(d.ports.map((p) => p.name));
  if (names.size !== d.ports.length) problems.push(`${d.name}: duplicate port names`);
  if (new Set(d.ports.map((p) => p.port)).size !== d.ports.length)
    problems.push(`${d.name}: duplicate port numbers`);
  for (const p of d.ports)
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
      problems.push(`${d.name}: port ${p.name} is ${p.port}, outside 1..65535`);
  const endpoints: [string, { port: WorkloadPortName; path?: string } | undefined][] = [
    ['liveness probe', d.probes.liveness],
    ['readiness probe', d.probes.readiness],
    ['metrics', d.metrics],
  ];
  for (const [what, e] of endpoints) {
    if (!e) continue;
    if (!names.has(e.port)) problems.push(`${d.name}: ${what} on port ${e.port}, which it does not declare`);
    if (e.path !== undefined && !e.path.startsWith('/'))
      problems.push(`${d.name}: ${what} path ${e.path} is not absolute`);
  }
  for (const [name, v] of Object.entries(d.env))
    if (v.secret && v.default !== undefined) problems.push(`${d.name}: secret ${name} has a default`);
  for (const flag of Object.keys(d.flags))
    if (!/^[a-z][a-z0-9.-]*$/.test(flag)) problems.push(`${d.name}: flag ${flag} is not a --lower.case-name`);
  const { requests, limits } = d.resources;
  if (cpuCores(requests.cpu) > cpuCores(limits.cpu)) problems.push(`${d.name}: CPU request above its limit`);
  if (memoryBytes(requests.memory) > memoryBytes(limits.memory))
    problems.push(`${d.name}: memory request above its limit`);
  return problems;
}

export { binaryProblems } from './binary-problems.js';
