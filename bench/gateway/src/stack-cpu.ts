// CPU time of every component of the running local stack, read from /proc, so that a load phase can be
// split into CPU per request of each hop (and of observing it). The processes come from the stack's own
// records: the supervisor's run record (its pid and the main pid of every component) and, for each
// component, its whole process tree (nginx's workers, PostgreSQL's backends).
import { join } from 'node:path';
import { isRunning, processTree, type RunRecord, readRunRecord } from '@opsight/supervisor';

/** One row of the CPU table: a name and the components whose processes it sums. */
export interface CpuGroup {
  name: string;
  /** Component names (exact), or a prefix ending in `*`. */
  components: readonly string[];
}

/**
 * The rows, in path order: the hops of a request, then what observes them. Components not named here,
 * and the supervisor's own process, fall into the last row.
 */
export const CPU_GROUPS: readonly CpuGroup[] = [
  { name: 'nginx (master + workers)', components: ['gateway'] },
  { name: 'gateway-telemetry', components: ['gateway-telemetry'] },
  { name: 'api-service', components: ['api-service'] },
  { name: 'model-router', components: ['model-router'] },
  { name: 'model-serving', components: ['model-serving*'] },
  { name: 'collector', components: ['collector'] },
  { name: 'log store', components: ['logstore'] },
  { name: 'trace store', components: ['tracestore'] },
  { name: 'Prometheus', components: ['prometheus'] },
  { name: 'Redis', components: ['redis'] },
  { name: 'PostgreSQL', components: ['postgres-primary', 'postgres-replica'] },
];

/** The last row's name: the supervisor and every component no group names. */
export const REST_GROUP = 'supervisor / rest';

const CLOCK_TICKS_PER_SECOND = 100;

/** The running stack, as its run record describes it. */
export interface RunningStack {
  record: RunRecord;
  /** Listening ports of each component, from the supervisor's API: component → port name → port. */
  ports: Map<string, Map<string, number>>;
}

/** The stack's run record under `varDir`. */
export const runLockFile = (varDir: string): string => join(varDir, 'run', 'opsight.lock');

/** Reads the run record under `varDir` and the components' ports; throws when no stack runs there. */
export async function runningStack(varDir: string): Promise<RunningStack> {
  const lockFile = runLockFile(varDir);
  const record = readRunRecord(lockFile);
  if (!record || !isRunning(record))
    throw new Error(`no running stack recorded in ${lockFile} (start it with \`npm run up\`)`);
  const res = await fetch(`${record.apiUrl}/api/v1/components`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as {
    components: { name: string; ports: { name: string; port: number }[] }[];
  };
  const ports = new Map(body.components.map((c) => [c.name, new Map(c.ports.map((p) => [p.name, p.port]))]));
  return { record, ports };
}

function groupOf(component: string): string {
  for (const g of CPU_GROUPS) {
    for (const c of g.components) {
      if (c.endsWith('*') ? component.startsWith(c.slice(0, -1)) : component === c) return g.name;
    }
  }
  return REST_GROUP;
}

/**
 * CPU seconds used so far by each group (its live processes plus the children they reaped), and the main
 * process of each component (`pid:startTicks`), so that a restart between two snapshots is seen.
 */
export interface CpuSnapshot {
  seconds: Map<string, number>;
  mains: Map<string, string>;
}

/**
 * Sums the CPU time of every process of every component of `stack`, by group. The run record is read
 * again, so that a component restarted since the stack was found is followed to its new process.
 */
export function snapshot(stack: RunningStack, lockFile?: string): CpuSnapshot {
  const record = (lockFile && readRunRecord(lockFile)) || stack.record;
  const out = new Map<string, number>([...CPU_GROUPS.map((g) => [g.name, 0] as const), [REST_GROUP, 0]]);
  const mains = new Map<string, string>();
  const add = (group: string, ticks: number) =>
    out.set(group, (out.get(group) ?? 0) + ticks / CLOCK_TICKS_PER_SECOND);
  for (const p of record.processes) {
    mains.set(p.name, `${p.pid}:${p.startTicks}`);
    const tree = processTree(p.pid).filter((x) => x.pid !== p.pid || x.startTicks === p.startTicks);
    add(
      groupOf(p.name),
      tree.reduce((sum, x) => sum + x.cpuTicks, 0),
    );
  }
  // The supervisor's own process only: its tree is the whole stack.
  const self = processTree(stack.record.pid).find((x) => x.pid === stack.record.pid);
  // cpuTicks includes reaped children (init steps, jobs); the components themselves are never reaped mid-run.
  if (self && self.startTicks === stack.record.startTicks) add(REST_GROUP, self.cpuTicks);
  return { seconds: out, mains };
}

/** Components whose main process changed between two snapshots (restarted: their rows are not exact). */
export function restarted(before: CpuSnapshot, after: CpuSnapshot): string[] {
  return [...after.mains].filter(([name, main]) => before.mains.get(name) !== main).map(([name]) => name);
}

/**
 * CPU of each group between two snapshots, in microseconds per unit (per request, or per second of
 * elapsed time), in table order.
 */
export function cpuPer(
  before: CpuSnapshot,
  after: CpuSnapshot,
  units: number,
): { name: string; micros: number }[] {
  if (!(units > 0)) throw new Error(`cpuPer: units must be positive (got ${units})`);
  return [...after.seconds].map(([name, seconds]) => ({
    name,
    micros: ((seconds - (before.seconds.get(name) ?? 0)) * 1e6) / units,
  }));
}
