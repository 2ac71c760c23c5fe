import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { guardRequestListener } from '@opsight/http-guard';
import { ensurePrivateDir } from '@opsight/private-files';
import { adminRequestHandler } from '@opsight/telemetry/admin';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Component } from './internal/component.js';
import { listProcesses } from './internal/proc.js';
import { registerKubeMetrics } from './kube-metrics.js';
import { checkPortFree, findListener, PortInUseError } from './ports.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { type ComponentSpec, validateSpecs } from './spec.js';
import type { ComponentStatus } from './status.js';

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  /** Components to run. */
  components: ComponentSpec[];
  /** Root of the pod log tree: `<logDir>/<namespace>_<pod>_<uid>/<container>/<restart>.log`. */
  logDir: string;
  /**
   * Run lock file; a second supervisor with the same lock refuses to start.
   * @default no lock
   */
  lockFile?: string;
  /**
   * Address of the HTTP API (the admin paths `/metrics`, `/healthz` and `/readyz`, `/api/v1/components`, and from loopback clients only
   * `POST /api/v1/components/<name>/stop|start`). Port 0 picks a free port.
   * @default { host: '127.0.0.1', port: 9100 }
   */
  listen?: { host?: string; port: number };
  /**
   * Runs after the lock is taken and every port is checked, before any component starts: the place to
   * write configuration and state files, which a second, refused supervisor must never touch.
   */
  prepare?: () => void | Promise<void>;
  /**
   * Log directories of earlier runs kept per pod (like the kubelet, which removes the logs of deleted
   * pods); older ones are removed at start.
   * @default 2
   */
  keepPreviousPodLogs?: number;
  /**
   * Interval of CPU and memory sampling (and memory-limit enforcement).
   * @default 1000
   */
  sampleIntervalMs?: number;
}

/** Events of {@link Supervisor}. */
export interface SupervisorEventMap {
  /** A component changed state, readiness, pid or restart count. */
  change: [ComponentStatus];
  /** A component failed `failureThreshold` starts in a row. */
  failing: [ComponentStatus];
  /** A note for the operator (stale lock cleaned, …). */
  notice: [string];
}

/**
 * Runs components like a kubelet runs a node's containers: in dependency order with readiness gating,
 * restarts with back-off, memory limits, CRI-format logs, Kubernetes-named metrics, and a graceful stop in
 * reverse dependency order that leaves no process behind.
 */
export class Supervisor extends EventEmitter<SupervisorEventMap> {
  readonly registry = new Registry();
  private readonly components = new Map<string, Component>();
  private readonly order: string[];
  private server: Server | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private lock: RunLock | undefined;
  private stopped: Promise<void> | undefined;
  private started = false;

  constructor(private readonly options: SupervisorOptions) {
    super();
    validateSpecs(options.components);
    this.order = topologicalOrder(options.components);
    for (const spec of options.components) {
      const component = new Component(spec, randomUUID(), options.logDir, {
        changed: (c) => this.onChange(c),
        failing: (c) => this.emit('failing', c.status()),
      });
      this.components.set(spec.name, component);
    }
  }

  /** Base URL of the HTTP API once started. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('supervisor is not started');
    return `http://${address.address}:${address.port}`;
  }

  /**
   * Checks every declared port, takes the lock, starts the HTTP API, then starts components as their
   * dependencies become satisfied. Resolves once startup has begun; use {@link Supervisor.waitUntilReady}.
   * Throws {@link PortInUseError} or {@link AlreadyRunningError} before anything was started.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('supervisor already started');
    this.started = true;
    const listen = this.options.listen ?? { port: 9100 };
    const host = listen.host ?? '127.0.0.1';
    if (this.options.lockFile) {
      this.lock = acquireRunLock(this.options.lockFile, `http://${host}:${listen.port}`, (m) =>
        this.emit('notice', m),
      );
    }
    try {
      await this.checkPorts([
        { component: 'supervisor', name: 'http', port: listen.port, host },
        ...this.options.components.flatMap((s) =>
          (s.ports ?? []).map((p) => ({
            component: s.name,
            name: p.name,
            port: p.port,
            host: p.host ?? '127.0.0.1',
          })),
        ),
      ]);
      await this.options.prepare?.();
      await this.listen(host, listen.port);
    } catch (err) {
      this.lock?.release();
      throw err;
    }
    this.registerMetrics();
    this.sampler = setInterval(() => this.sample(), this.options.sampleIntervalMs ?? 1000);
    this.sampler.unref();
    // Pod logs hold every component's output: 0700, checked on every start.
    ensurePrivateDir(this.options.logDir, { service: 'supervisor' });
    this.prunePodLogs();
    this.writePodMetadata();
    this.startSatisfied();
  }

  /** Current status of every component, in dependency order. */
  status(): ComponentStatus[] {
    return this.order.map((name) => this.components.get(name)!.status());
  }

  /** One component's status. */
  component(name: string): ComponentStatus | undefined {
    return this.components.get(name)?.status();
  }

  /**
   * Resolves once every service is ready and every job completed; rejects when a component is failing
   * (with its status) or after `timeoutMs`.
   */
  waitUntilReady(timeoutMs = 300_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if ([...this.components.values()].every((c) => c.satisfied)) finish(resolve);
      };
      const onFailing = (s: ComponentStatus) => finish(() => reject(new ComponentFailingError(s)));
      const timer = setTimeout(() => {
        const waiting = [...this.components.values()].filter((c) => !c.satisfied).map((c) => c.name);
        finish(() => reject(new Error(`not ready after ${timeoutMs} ms: ${waiting.join(', ')}`)));
      }, timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        this.off('change', check);
        this.off('failing', onFailing);
        fn();
      };
      this.on('change', check);
      this.on('failing', onFailing);
      check();
    });
  }

  /**
   * Stops one component as an operator would (`kubectl scale --replicas=0`, one container): its stop
   * signal, then SIGKILL of its tree after the grace period. It stays stopped, without restarts, until
   * {@link Supervisor.startComponent}. Components that depend on it keep running. Returns its status.
   * Throws {@link ComponentRequestError} (`COMPONENT_NOT_FOUND`, `COMPONENT_BUSY` for a job or during a
   * shutdown).
   */
  async stopComponent(name: string): Promise<ComponentStatus> {
    const c = this.controllable(name);
    await c.stop();
    return c.status();
  }

  /**
   * Starts a component stopped by {@link Supervisor.stopComponent} again: init steps, then its process
   * (a new log file `<restart + 1>.log`, counted as a restart, as a kubelet counts a container started
   * again). Resolves once the process is spawned; readiness follows as at first start. Throws
   * {@link ComponentRequestError} (`COMPONENT_NOT_FOUND`, `COMPONENT_NOT_STOPPED`, `COMPONENT_BUSY`).
   */
  async startComponent(name: string): Promise<ComponentStatus> {
    const c = this.controllable(name);
    if (c.state !== 'Stopped') {
      throw new ComponentRequestError(409, 'COMPONENT_NOT_STOPPED', `component "${name}" is ${c.state}`);
    }
    if (c.pid !== undefined) c.restarts++;
    c.state = 'Initializing';
    await c.start();
    return c.status();
  }

  private controllable(name: string): Component {
    const c = this.components.get(name);
    if (!c) throw new ComponentRequestError(404, 'COMPONENT_NOT_FOUND', `no component "${name}"`);
    if (this.stopped) throw new ComponentRequestError(409, 'COMPONENT_BUSY', 'the supervisor is stopping');
    if (c.isJob) throw new ComponentRequestError(409, 'COMPONENT_BUSY', `"${name}" is a job`);
    return c;
  }

  /**
   * Stops every component in reverse dependency order (a component stops before what it depends on),
   * each with its stop signal and grace period, then the HTTP API; releases the lock. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.sampler) clearInterval(this.sampler);
      const remaining = new Set(this.order);
      while (remaining.size > 0) {
        // Stop, together, every component that no remaining component depends on.
        const wave = [...remaining].filter(
          (name) =>
            ![...remaining].some((other) => this.components.get(other)!.spec.dependsOn?.includes(name)),
        );
        await Promise.all(wave.map((name) => this.components.get(name)!.stop()));
        for (const name of wave) remaining.delete(name);
      }
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      this.server?.closeAllConnections();
      this.lock?.release();
    })();
    return this.stopped;
  }

  private async checkPorts(
    ports: { component: string; name: string; port: number; host: string }[],
  ): Promise<void> {
    for (const p of ports) {
      if (p.port === 0) continue;
      try {
        await checkPortFree(p.port, p.host);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
        throw new PortInUseError(p.component, p.name, p.port, p.host, findListener(p.port));
      }
    }
  }

  private listen(host: string, port: number): Promise<void> {
    const admin = adminRequestHandler({ metrics: this.registry });
    // Host checked (DNS rebinding); stop/start only without a foreign Origin: @opsight/http-guard.
    const server = createServer(
      guardRequestListener(async (req, res) => {
        if (await admin(req, res)) return;
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const control = /^\/api\/v1\/components\/([^/]+)\/(stop|start)$/.exec(path);
        if (control && req.method === 'POST') {
          await this.control(req, res, decodeURIComponent(control[1]!), control[2] as 'stop' | 'start');
        } else if (req.method !== 'GET') {
          res
            .writeHead(405, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET is served' } }));
        } else if (path === '/api/v1/components') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ components: this.status() }));
        } else {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${path}` } }));
        }
      }),
    );
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => resolve());
    });
  }

  /** `POST /api/v1/components/<name>/stop|start`: loopback clients only; JSON errors with stable codes. */
  private async control(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    action: 'stop' | 'start',
  ): Promise<void> {
    req.resume();
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!isLoopback(req.socket.remoteAddress)) {
      json(403, {
        error: { code: 'FORBIDDEN', message: 'components are stopped and started from loopback only' },
      });
      return;
    }
    try {
      const component = action === 'stop' ? await this.stopComponent(name) : await this.startComponent(name);
      json(200, { component });
    } catch (err) {
      if (err instanceof ComponentRequestError)
        json(err.status, { error: { code: err.code, message: err.message } });
      else {
        // The answer says only the code; what failed goes to the supervisor's notices (`opsight up` prints them).
        this.emit('notice', `${action} ${name} failed: ${(err as Error).stack ?? String(err)}`);
        json(500, {
          error: {
            code: 'COMPONENT_ACTION_FAILED',
            message: `the component could not be ${action === 'stop' ? 'stopped' : 'started'}; see the supervisor's output`,
          },
        });
      }
    }
  }

  private registerMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'opsight_supervisor_' });
    registerKubeMetrics(this.registry, () => this.status());
  }

  /** Removes the log directories of all but the newest `keepPreviousPodLogs` earlier runs of each pod. */
  private prunePodLogs(): void {
    const keep = this.options.keepPreviousPodLogs ?? 2;
    let dirs: string[];
    try {
      dirs = readdirSync(this.options.logDir);
    } catch {
      return;
    }
    const byPod = new Map<string, { dir: string; mtime: number }[]>();
    for (const dir of dirs) {
      const m = /^(.+)_[0-9a-f-]{36}$/.exec(dir);
      if (!m?.[1]) continue;
      const list = byPod.get(m[1]) ?? [];
      list.push({ dir, mtime: statSync(join(this.options.logDir, dir)).mtimeMs });
      byPod.set(m[1], list);
    }
    for (const list of byPod.values()) {
      list.sort((a, b) => b.mtime - a.mtime);
      for (const old of list.slice(keep))
        rmSync(join(this.options.logDir, old.dir), { recursive: true, force: true });
    }
  }

  /** Writes `labels.json` in each pod's log directory, so that log collectors can label the streams. */
  private writePodMetadata(): void {
    for (const c of this.components.values()) {
      ensurePrivateDir(c.podLogDir, { service: 'supervisor' });
      writeFileSync(
        join(c.podLogDir, 'labels.json'),
        `${JSON.stringify({
          namespace: c.namespace,
          pod: c.pod,
          uid: c.uid,
          app: c.app,
          container: c.name,
          labels: { app: c.app, ...c.spec.labels },
        })}\n`,
      );
    }
  }

  private startSatisfied(): void {
    if (this.stopped) return;
    for (const name of this.order) {
      const c = this.components.get(name)!;
      if (c.state !== 'Pending') continue;
      const deps = c.spec.dependsOn ?? [];
      if (deps.every((d) => this.components.get(d)!.satisfied)) {
        c.state = 'Initializing';
        c.start().catch((err: Error) => {
          c.state = 'Failed';
          c.message = err.message;
          this.emit('failing', c.status());
        });
      } else {
        const waiting = deps.filter((d) => !this.components.get(d)!.satisfied);
        c.message = `waiting for ${waiting.join(', ')}`;
      }
    }
  }

  private onChange(c: Component): void {
    this.lock?.update(
      [...this.components.values()]
        .filter((x) => x.pid !== undefined && x.startTicks !== undefined && x.state !== 'Stopped')
        .map((x) => ({ name: x.name, pid: x.pid!, startTicks: x.startTicks! })),
    );
    this.emit('change', c.status());
    if (c.satisfied) this.startSatisfied();
  }

  private sample(): void {
    const all = listProcesses();
    for (const c of this.components.values()) c.sample(all);
  }
}

/** A stop or start of one component that cannot be done; `status` is the HTTP status of the API's answer. */
export class ComponentRequestError extends Error {
  override readonly name = 'ComponentRequestError';
  constructor(
    readonly status: number,
    readonly code: 'COMPONENT_NOT_FOUND' | 'COMPONENT_NOT_STOPPED' | 'COMPONENT_BUSY',
    message: string,
  ) {
    super(message);
  }
}

function isLoopback(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}

/** Rejection of {@link Supervisor.waitUntilReady} when a component keeps failing. */
export class ComponentFailingError extends Error {
  override readonly name = 'ComponentFailingError';
  constructor(readonly component: ComponentStatus) {
    super(`component "${component.name}" is failing: ${component.message}`);
  }
}

function topologicalOrder(specs: readonly ComponentSpec[]): string[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) visit(dep);
    out.push(name);
  };
  for (const s of specs) visit(s.name);
  return out;
}
