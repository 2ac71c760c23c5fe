import { ADMIN_PATHS } from '@opsight/contracts/admin';
import {
  cpuCores,
  memoryBytes,
  type ResourceQuantities,
  type WorkloadDescriptor,
  type WorkloadPortName,
  type WorkloadProbe,
} from '@opsight/contracts/workload';
import type { ComponentSpec, ProbeSpec } from '@opsight/supervisor';

/** What the local stack adds to a component's descriptor: where it runs on this machine. */
export interface LocalWiring {
  /** The local port of each of the descriptor's ports, by name (every declared port needs one). */
  readonly ports: Readonly<Partial<Record<WorkloadPortName, number>>>;
  /** The component's flags (addresses, data directories, secret files); each must be one it declares. */
  readonly args?: readonly string[];
  /** Environment values; each variable must be one it declares. */
  readonly env?: Readonly<Record<string, string>>;
  /** Container name, when several instances run. @default the descriptor's name */
  readonly name?: string;
  /** The `app` label, when it differs from the container name. @default the supervisor's (the name) */
  readonly app?: string;
  /** Pod name. @default the supervisor's (`<app>-0`) */
  readonly pod?: string;
  /** Further pod labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The program, for one that is not ours, where its path on this machine is known. @default its name */
  readonly command?: string;
  /** Headers sent with every HTTP probe (an `Authorization` for a server that wants one on every path). */
  readonly probeHeaders?: Readonly<Record<string, string>>;
  /** Credentials Prometheus sends when it scrapes the component (it reads the password from the file). */
  readonly metricsBasicAuth?: { readonly username: string; readonly passwordFile: string };
  /** Components that must be ready first. */
  readonly dependsOn?: readonly string[];
  /**
   * Whether the supervisor probes liveness where the descriptor has a liveness probe.
   * @default true
   */
  readonly liveness?: boolean;
  /**
   * Limits of this machine, where one machine runs several instances or a measured local load needs
   * more than a cluster pod gets. @default the descriptor's limits
   */
  readonly limits?: ResourceQuantities;
}

/** Thrown when the local wiring does not fit the descriptor: an undeclared flag, variable or port. */
export class WorkloadWiringError extends Error {
  override readonly name = 'WorkloadWiringError';
}

/** Flag names passed on a command line (`--name value` or `--name=value`). */
function flagNames(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0] ?? '');
}

/** Quick readiness locally: dependents start as soon as a component answers. */
const READINESS_PERIOD_MS = 300;

/**
 * The supervisor's spec of a component, from its workload descriptor and its local wiring: the program,
 * ports, probes, metrics endpoint, limits and stop signal come from the descriptor; the wiring gives the
 * local ports, flags and environment, each checked against what the descriptor declares (throws
 * {@link WorkloadWiringError}).
 */
export function workloadSpec(d: WorkloadDescriptor, wiring: LocalWiring): ComponentSpec {
  const name = wiring.name ?? d.name;
  const fail = (message: string): never => {
    throw new WorkloadWiringError(`${name}: ${message}`);
  };
  const args = wiring.args ?? [];
  for (const flag of flagNames(args)) if (!d.flags[flag]) fail(`--${flag} is not a flag of ${d.name}`);
  for (const [flag, f] of Object.entries(d.flags))
    if (f.required && !flagNames(args).includes(flag)) fail(`--${flag} is required by ${d.name}`);
  for (const variable of Object.keys(wiring.env ?? {}))
    if (!d.env[variable]) fail(`${variable} is not read by ${d.name}`);
  const port = (portName: WorkloadPortName): number =>
    wiring.ports[portName] ?? fail(`no local port for its ${portName} port`);
  const probe = (p: WorkloadProbe, readiness: boolean): ProbeSpec => ({
    ...(p.path === undefined
      ? { tcp: { port: port(p.port) } }
      : {
          http: {
            port: port(p.port),
            path: p.path,
            ...(wiring.probeHeaders ? { headers: { ...wiring.probeHeaders } } : {}),
          },
        }),
    ...(readiness ? { periodMs: READINESS_PERIOD_MS } : {}),
    ...(!readiness && p.periodSeconds !== undefined ? { periodMs: p.periodSeconds * 1000 } : {}),
    ...(!readiness && p.failureThreshold !== undefined ? { failureThreshold: p.failureThreshold } : {}),
  });
  const { liveness, readiness } = d.probes;
  const limits = wiring.limits ?? d.resources.limits;
  const command = d.binary.kind === 'node' ? process.execPath : (wiring.command ?? d.binary.command);
  const binArgs = d.binary.kind === 'node' ? [...(d.runtimeArgs ?? []), d.binary.file] : [];
  return {
    name,
    namespace: d.namespace,
    ...(wiring.app ? { app: wiring.app } : {}),
    ...(wiring.pod ? { pod: wiring.pod } : {}),
    ...(wiring.labels ? { labels: { ...wiring.labels } } : {}),
    command,
    args: [...binArgs, ...args],
    ...(wiring.env ? { env: { ...wiring.env } } : {}),
    ports: d.ports.map((p) => ({ name: p.name, port: port(p.name) })),
    ...(d.metrics
      ? {
          metrics: {
            port: port(d.metrics.port),
            ...(d.metrics.path !== ADMIN_PATHS.metrics ? { path: d.metrics.path } : {}),
            ...(wiring.metricsBasicAuth ? { basicAuth: { ...wiring.metricsBasicAuth } } : {}),
          },
        }
      : {}),
    ...(wiring.dependsOn ? { dependsOn: [...wiring.dependsOn] } : {}),
    ...(readiness ? { readinessProbe: probe(readiness, true) } : {}),
    ...(liveness && wiring.liveness !== false ? { livenessProbe: probe(liveness, false) } : {}),
    ...(d.stopSignal ? { stopSignal: d.stopSignal } : {}),
    resources: { limits: { cpu: cpuCores(limits.cpu), memoryBytes: memoryBytes(limits.memory) } },
  };
}
