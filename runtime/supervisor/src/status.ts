/**
 * Lifecycle state of a component, after the Kubernetes container states:
 * - `Pending`: waiting for its dependencies;
 * - `Initializing`: running its init steps;
 * - `Starting`: the process runs, the readiness probe has not passed yet;
 * - `Running`: the process runs (see `ready` for readiness);
 * - `Completed`: a job that finished successfully;
 * - `BackOff`: the process ended and waits for its restart (Kubernetes' CrashLoopBackOff);
 * - `Failed`: ended and will not be restarted (restart policy, or a failed init step);
 * - `Terminating`, `Stopped`: being stopped, stopped.
 */
export type ComponentState =
  | 'Pending'
  | 'Initializing'
  | 'Starting'
  | 'Running'
  | 'Completed'
  | 'BackOff'
  | 'Failed'
  | 'Terminating'
  | 'Stopped';

/** Why the last run ended, with kube-state-metrics' reason names. */
export type TerminationReason = 'Completed' | 'Error' | 'OOMKilled' | 'ContainerCannotRun';

/** A component as `opsight status` and the supervisor API show it. */
export interface ComponentStatus {
  name: string;
  namespace: string;
  app: string;
  pod: string;
  uid: string;
  kind: 'service' | 'job';
  state: ComponentState;
  ready: boolean;
  restarts: number;
  pid: number | undefined;
  startedAt: string | undefined;
  message: string;
  lastTermination:
    | { reason: TerminationReason; exitCode: number | null; signal: string | null; finishedAt: Date }
    | undefined;
  ports: { name: string; port: number; host: string }[];
  logPath: string | undefined;
  cpuSeconds: number;
  memoryBytes: number;
  memoryLimitBytes: number | undefined;
  cpuLimit: number | undefined;
  /** True when the CPU limit is enforced by a control group (otherwise it is only reported). */
  cpuLimitEnforced: boolean;
  /** CFS periods in which the component was throttled, where enforced. */
  cpuThrottledPeriods: number | undefined;
}
