import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensurePrivateDir } from '@opsight/private-files';
import type { ComponentSpec, InitStepSpec, ProbeSpec } from '../spec.js';
import type { ComponentState, ComponentStatus, TerminationReason } from '../status.js';
import { type CpuLimiter, createCpuLimiter } from './cpu-cgroup.js';
import { CriLogWriter } from './cri-log-writer.js';
import { runProbe } from './probe.js';
import {
  CLOCK_TICKS,
  listProcesses,
  type ProcStat,
  processTree,
  readStat,
  signalTree,
  treeMemoryBytes,
} from './proc.js';
import { lookupUser, type SystemUser, setprivAvailable, wrapCommand } from './system-user.js';

/** What a component tells its supervisor. */
export interface ComponentEvents {
  /** Any change of state, readiness, pid or restart count. */
  changed(component: Component): void;
  /** Consecutive failed starts reached the spec's failure threshold. */
  failing(component: Component): void;
}

/** Runs one {@link ComponentSpec}: init steps, the process, probes, restarts with back-off, limits, logs. */
export class Component {
  readonly namespace: string;
  readonly app: string;
  readonly pod: string;
  readonly podLogDir: string;
  state: ComponentState = 'Pending';
  ready = false;
  restarts = 0;
  pid: number | undefined;
  startTicks: number | undefined;
  startedAt: Date | undefined;
  message = '';
  lastTermination: ComponentStatus['lastTermination'];
  /** Cumulative CPU seconds over all runs (monotonic). */
  cpuSeconds = 0;
  memoryBytes = 0;
  logPath: string | undefined;

  private readonly user: SystemUser | undefined;
  private cpuLimiter: CpuLimiter | undefined;
  private child: ChildProcess | undefined;
  private initChild: ChildProcess | undefined;
  private log: CriLogWriter | undefined;
  private consecutiveFailures = 0;
  private cpuBase = 0;
  private runCpuTicks = 0;
  /** Every process seen in the tree during this run, so that none escapes the final kill. */
  private seen = new Map<number, ProcStat>();
  private oomKilled = false;
  private livenessKilled = false;
  private stopping = false;
  private timers = new Set<NodeJS.Timeout>();
  private exited: Promise<void> = Promise.resolve();
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly spec: ComponentSpec,
    readonly uid: string,
    logRoot: string,
    private readonly events: ComponentEvents,
  ) {
    this.namespace = spec.namespace ?? 'opsight';
    this.app = spec.app ?? spec.name;
    this.pod = spec.pod ?? `${this.app}-0`;
    this.podLogDir = join(logRoot, `${this.namespace}_${this.pod}_${uid}`);
    this.user = spec.user ? lookupUser(spec.user) : undefined;
    if (spec.user && !this.user) throw new Error(`component "${spec.name}": no system user "${spec.user}"`);
    this.env = {
      ...process.env,
      ...(this.user ? { HOME: this.user.home, USER: this.user.name, LOGNAME: this.user.name } : {}),
      ...spec.env,
    };
  }

  get name(): string {
    return this.spec.name;
  }

  get isJob(): boolean {
    return this.spec.kind === 'job';
  }

  /** Dependents may start: a service is ready, a job has completed. */
  get satisfied(): boolean {
    return this.isJob ? this.state === 'Completed' : this.ready;
  }

  /** Runs the init steps, then the process. Resolves once the process is spawned (or the start failed). */
  async start(): Promise<void> {
    this.stopping = false;
    ensurePrivateDir(join(this.podLogDir, this.name), { service: 'supervisor' });
    const steps = this.spec.initSteps ?? [];
    for (const [i, step] of steps.entries()) {
      if (this.stopping) return;
      if (step.skipIf?.()) continue;
      this.setState('Initializing', `init step ${i + 1}/${steps.length}: ${step.name}`);
      const code = await this.runInitStep(step);
      if (this.stopping) return;
      if (code !== 0) {
        this.lastTermination = { reason: 'Error', exitCode: code, finishedAt: new Date(), signal: null };
        this.setState('Failed', `init step "${step.name}" exited with ${code}; see its log`);
        this.consecutiveFailures = this.spec.failureThreshold ?? 5;
        this.events.failing(this);
        return;
      }
    }
    this.spawnMain();
  }

  /** Stops the process: the stop signal, then SIGKILL of the whole process tree after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.initChild?.pid !== undefined) signalTree(this.initChild.pid, 'SIGKILL');
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.setState('Stopped', '');
      return;
    }
    this.setState('Terminating', '');
    // Record the tree while its root is alive: once it exits, children are re-parented and only these
    // records still find them.
    if (this.pid !== undefined) for (const p of processTree(this.pid)) this.seen.set(p.pid, p);
    try {
      child.kill(this.spec.stopSignal ?? 'SIGTERM');
    } catch {
      // already gone
    }
    const grace = this.spec.terminationGracePeriodMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.killTree();
          resolve();
        }, grace);
      }),
    ]);
    clearTimeout(timer);
    await this.exited;
  }

  /** Measures CPU and memory of the process tree and enforces the memory limit. */
  sample(all = listProcesses()): void {
    if (this.pid === undefined || !this.child || this.child.exitCode !== null) return;
    const members = processTree(this.pid, all);
    for (const p of members) this.seen.set(p.pid, p);
    const ticks = members.reduce((sum, p) => sum + p.cpuTicks, 0);
    this.runCpuTicks = Math.max(this.runCpuTicks, ticks);
    this.cpuSeconds = this.cpuBase + this.runCpuTicks / CLOCK_TICKS;
    this.memoryBytes = treeMemoryBytes(members.map((p) => p.pid));
    const limit = this.spec.resources?.limits?.memoryBytes;
    if (limit !== undefined && this.memoryBytes > limit && !this.oomKilled) {
      this.oomKilled = true;
      this.log?.note(
        `opsight-supervisor: OOMKilled: memory ${mib(this.memoryBytes)} MiB is over the limit of ${mib(limit)} MiB`,
      );
      this.killTree();
    }
  }

  status(): ComponentStatus {
    return {
      name: this.name,
      namespace: this.namespace,
      app: this.app,
      pod: this.pod,
      uid: this.uid,
      kind: this.isJob ? 'job' : 'service',
      state: this.state,
      ready: this.ready,
      restarts: this.restarts,
      pid: this.pid,
      startedAt: this.startedAt?.toISOString(),
      message: this.message,
      lastTermination: this.lastTermination,
      ports: (this.spec.ports ?? []).map((p) => ({
        name: p.name,
        port: p.port,
        host: p.host ?? '127.0.0.1',
      })),
      logPath: this.logPath,
      cpuSeconds: this.cpuSeconds,
      memoryBytes: this.memoryBytes,
      memoryLimitBytes: this.spec.resources?.limits?.memoryBytes,
      cpuLimit: this.spec.resources?.limits?.cpu,
      cpuLimitEnforced: this.cpuLimiter !== undefined,
      cpuThrottledPeriods: this.cpuLimiter?.throttledPeriods(),
    };
  }

  private spawnOptions() {
    const manualIds = this.user && !setprivAvailable() ? { uid: this.user.uid, gid: this.user.gid } : {};
    return { env: this.env, cwd: this.spec.cwd, detached: true, ...manualIds };
  }

  private wrap = (command: string, args: string[]): [string, string[]] =>
    wrapCommand(command, args, this.user);

  private runInitStep(step: InitStepSpec): Promise<number> {
    const dir = join(this.podLogDir, step.name);
    ensurePrivateDir(dir, { service: 'supervisor' });
    const log = new CriLogWriter(join(dir, '0.log'));
    const [cmd, args] = this.wrap(step.command, step.args ?? []);
    return new Promise((resolve) => {
      const child = spawn(cmd, args, {
        ...this.spawnOptions(),
        env: { ...this.env, ...step.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.initChild = child;
      child.stdout?.on('data', (d: Buffer) => log.write('stdout', d));
      child.stderr?.on('data', (d: Buffer) => log.write('stderr', d));
      child.once('error', (err) =>
        log.note(`opsight-supervisor: cannot start ${step.command}: ${err.message}`),
      );
      child.once('exit', () => {
        if (child.pid !== undefined) signalTree(child.pid, 'SIGKILL');
      });
      child.once('close', (code) => {
        log.close();
        this.initChild = undefined;
        resolve(code ?? 1);
      });
    });
  }

  private spawnMain(): void {
    const logPath = join(this.podLogDir, this.name, `${this.restarts}.log`);
    this.logPath = logPath;
    const log = new CriLogWriter(logPath);
    this.log = log;
    this.oomKilled = false;
    this.livenessKilled = false;
    this.runCpuTicks = 0;
    this.seen.clear();
    this.ready = false;
    const [cmd, args] = this.wrap(this.spec.command, this.spec.args ?? []);
    const child = spawn(cmd, args, { ...this.spawnOptions(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.pid = child.pid;
    const cores = this.spec.resources?.limits?.cpu;
    if (cores !== undefined && child.pid !== undefined) {
      this.cpuLimiter ??= createCpuLimiter(`${this.namespace}_${this.pod}_${this.name}`, cores);
      this.cpuLimiter?.add(child.pid);
    }
    this.startTicks = child.pid !== undefined ? readStat(child.pid)?.startTicks : undefined;
    this.startedAt = new Date();
    let resolveExited!: () => void;
    this.exited = new Promise((r) => {
      resolveExited = r;
    });
    let spawnError: Error | undefined;
    child.stdout?.on('data', (d: Buffer) => log.write('stdout', d));
    child.stderr?.on('data', (d: Buffer) => log.write('stderr', d));
    child.once('error', (err) => {
      spawnError = err;
      log.note(`opsight-supervisor: cannot start ${this.spec.command}: ${err.message}`);
    });
    child.once('exit', () => {
      // The main process is gone: whatever it left behind goes too, as with a container.
      this.killTree();
      // A process that escaped the kill may still hold the output pipes; do not wait on it for ever.
      const t = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 2000);
      child.once('close', () => clearTimeout(t));
    });
    child.once('close', (code, signal) => {
      log.close();
      this.onExit(code, signal, spawnError);
      resolveExited();
    });
    if (spawnError === undefined) {
      this.setState(this.isJob ? 'Running' : 'Starting', '');
      this.startProbes();
    }
  }

  /** SIGKILL to the main process, its session, its descendants and every process seen in its tree. */
  private killTree(): void {
    if (this.pid !== undefined) signalTree(this.pid, 'SIGKILL', [...this.seen.values()]);
  }

  private startProbes(): void {
    const readiness = this.spec.readinessProbe;
    if (this.isJob) {
      // A job is never "ready"; dependents wait for completion.
    } else if (!readiness) {
      this.ready = true;
      this.setState('Running', '');
    } else {
      this.probeLoop(readiness, 'readiness', 1000);
    }
    if (this.spec.livenessProbe) this.probeLoop(this.spec.livenessProbe, 'liveness', 10_000);
  }

  private probeLoop(probe: ProbeSpec, kind: 'readiness' | 'liveness', defaultPeriod: number): void {
    const child = this.child;
    const threshold = probe.failureThreshold ?? 3;
    let failures = 0;
    const tick = async () => {
      if (this.stopping || this.child !== child || child?.exitCode !== null) return;
      const result = await runProbe(probe, { env: this.env, wrap: this.wrap });
      if (this.stopping || this.child !== child || child?.exitCode !== null) return;
      if (result.ok) {
        failures = 0;
        if (kind === 'readiness' && !this.ready) {
          this.ready = true;
          this.setState('Running', '');
        }
      } else {
        failures++;
        if (kind === 'readiness') {
          if (this.ready && failures >= threshold) {
            this.ready = false;
            this.setState('Running', `readiness probe failing: ${result.detail}`);
          } else if (!this.ready) {
            this.message = `waiting for readiness: ${result.detail}`;
          }
        } else if (failures >= threshold && this.pid !== undefined) {
          this.livenessKilled = true;
          this.log?.note(
            `opsight-supervisor: liveness probe failed ${failures} times (${result.detail}); restarting`,
          );
          this.killTree();
          return;
        }
      }
      const period = probe.periodMs ?? defaultPeriod;
      this.schedule(
        tick,
        kind === 'readiness' && this.ready ? (probe.readyPeriodMs ?? Math.max(period, 5000)) : period,
      );
    };
    this.schedule(tick, probe.initialDelayMs ?? 0);
  }

  private schedule(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError: Error | undefined): void {
    const ranMs = this.startedAt ? Date.now() - this.startedAt.getTime() : 0;
    this.cpuBase += this.runCpuTicks / CLOCK_TICKS;
    this.runCpuTicks = 0;
    this.cpuSeconds = this.cpuBase;
    this.memoryBytes = 0;
    this.ready = false;
    this.child = undefined;
    const reason: TerminationReason = this.oomKilled
      ? 'OOMKilled'
      : spawnError
        ? 'ContainerCannotRun'
        : code === 0
          ? 'Completed'
          : 'Error';
    this.lastTermination = { reason, exitCode: code, signal, finishedAt: new Date() };
    if (this.stopping) {
      this.cpuLimiter?.remove();
      this.setState('Stopped', '');
      return;
    }
    const policy = this.spec.restartPolicy ?? (this.isJob ? 'OnFailure' : 'Always');
    const succeeded = code === 0 && !this.oomKilled && !this.livenessKilled;
    if (this.isJob && succeeded) {
      this.consecutiveFailures = 0;
      this.setState('Completed', '');
      return;
    }
    const restart = policy === 'Always' || (policy === 'OnFailure' && !succeeded);
    if (!restart) {
      this.setState(succeeded ? 'Completed' : 'Failed', describeExit(reason, code, signal));
      return;
    }
    const backoff = this.spec.backoff ?? {};
    if (ranMs >= (backoff.resetAfterMs ?? 60_000)) this.consecutiveFailures = 0;
    this.consecutiveFailures++;
    const delay = Math.min(
      (backoff.initialMs ?? 1000) * 2 ** (this.consecutiveFailures - 1),
      backoff.maxMs ?? 60_000,
    );
    this.setState('BackOff', `${describeExit(reason, code, signal)}; restarting in ${formatMs(delay)}`);
    if (this.consecutiveFailures === (this.spec.failureThreshold ?? 5)) this.events.failing(this);
    this.schedule(() => {
      if (this.stopping) return;
      this.restarts++;
      this.spawnMain();
    }, delay);
  }

  private setState(state: ComponentState, message: string): void {
    this.state = state;
    this.message = message;
    this.events.changed(this);
  }
}

function describeExit(reason: TerminationReason, code: number | null, signal: NodeJS.Signals | null): string {
  if (reason === 'OOMKilled') return 'OOMKilled (memory limit)';
  if (reason === 'ContainerCannotRun') return 'could not start the program';
  return signal ? `killed by ${signal}` : `exited with ${code}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
