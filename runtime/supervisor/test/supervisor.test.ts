import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCriLog } from '../src/cri-log-reader.js';
import { isAlive, listProcesses, processTree } from '../src/internal/proc.js';
import { PortInUseError } from '../src/ports.js';
import { SpecError } from '../src/spec.js';
import { Supervisor } from '../src/supervisor.js';
import { eventually, metricsText, nodeScript, sample, startSupervisor } from './helpers.js';

test('a crashing process is restarted with exponential back-off and counted in the restart metric', async (t) => {
  const crash = nodeScript('crasher', "console.error('boom'); process.exit(3)", {
    backoff: { initialMs: 100, maxMs: 400 },
  });
  const { supervisor, dispose } = await startSupervisor([crash]);
  t.after(dispose);
  const messages: string[] = [];
  supervisor.on('change', (s) => {
    if (s.state === 'BackOff') messages.push(s.message);
  });
  await eventually('4 restarts', () => (supervisor.component('crasher')?.restarts ?? 0) >= 4);
  assert.deepEqual(messages.slice(0, 4), [
    'exited with 3; restarting in 100 ms',
    'exited with 3; restarting in 200 ms',
    'exited with 3; restarting in 400 ms',
    'exited with 3; restarting in 400 ms',
  ]);
  const text = await metricsText(supervisor);
  const restarts = sample(text, 'kube_pod_container_status_restarts_total', {
    container: 'crasher',
    namespace: 'opsight',
  });
  assert.ok(restarts !== undefined && restarts >= 4, `restarts metric ${restarts}`);
  assert.equal(
    sample(text, 'kube_pod_container_status_last_terminated_reason', {
      container: 'crasher',
      reason: 'Error',
    }),
    1,
  );
});

test('after failureThreshold failed starts the component is reported as failing, with its status', async (t) => {
  const crash = nodeScript('flaky', 'process.exit(1)', {
    backoff: { initialMs: 50, maxMs: 50 },
    failureThreshold: 3,
    // Never ready, so only the failure can end the wait.
    readinessProbe: { exec: { command: '/bin/false' } },
  });
  const { supervisor, dispose } = await startSupervisor([crash]);
  t.after(dispose);
  await assert.rejects(supervisor.waitUntilReady(20_000), (err: Error & { component?: { name: string } }) => {
    assert.equal(err.name, 'ComponentFailingError');
    assert.equal(err.component?.name, 'flaky');
    return true;
  });
});

test('the memory limit kills the process tree and restarts it, with reason OOMKilled', async (t) => {
  const hog = nodeScript(
    'hog',
    'const keep = []; setInterval(() => { keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); }, 20);',
    { resources: { limits: { memoryBytes: 96 * 1024 * 1024, cpu: 0.5 } }, backoff: { initialMs: 100 } },
  );
  const { supervisor, dispose } = await startSupervisor([hog]);
  t.after(dispose);
  const status = await eventually('an OOM kill', () => {
    const s = supervisor.component('hog');
    return s?.lastTermination?.reason === 'OOMKilled' && s.restarts >= 1 ? s : undefined;
  });
  assert.equal(status.lastTermination?.signal, 'SIGKILL');
  const text = await metricsText(supervisor);
  assert.equal(
    sample(text, 'kube_pod_container_status_last_terminated_reason', {
      container: 'hog',
      reason: 'OOMKilled',
    }),
    1,
  );
  assert.equal(
    sample(text, 'kube_pod_container_resource_limits', {
      container: 'hog',
      resource: 'memory',
      unit: 'byte',
    }),
    96 * 1024 * 1024,
  );
  assert.equal(
    sample(text, 'kube_pod_container_resource_limits', { container: 'hog', resource: 'cpu', unit: 'core' }),
    0.5,
  );
  const log = readCriLog(readFileSync(status.logPath!.replace(/\d+\.log$/, '0.log'), 'utf8'));
  assert.ok(
    log.some((e) => e.line.includes('OOMKilled')),
    'the kill is noted in the log',
  );
});

test('CPU and memory of the whole process tree are exported with cAdvisor names', async (t) => {
  // A shell whose child burns CPU: the usage must be attributed to the component.
  const busy = {
    name: 'busy',
    command: '/bin/sh',
    args: ['-c', `${process.execPath} -e "const t=Date.now(); while(Date.now()-t<60000){}" & wait`],
    terminationGracePeriodMs: 500,
  };
  const { supervisor, dispose } = await startSupervisor([busy]);
  t.after(dispose);
  await eventually('0.3 s of CPU', () => (supervisor.component('busy')?.cpuSeconds ?? 0) > 0.3);
  const text = await metricsText(supervisor);
  const cpu = sample(text, 'container_cpu_usage_seconds_total', { container: 'busy', pod: 'busy-0' });
  const mem = sample(text, 'container_memory_working_set_bytes', { container: 'busy' });
  assert.ok(cpu !== undefined && cpu > 0.3, `cpu ${cpu}`);
  // The node child's anonymous memory (several MiB) is counted; the shell alone has well under 1 MiB.
  assert.ok(mem !== undefined && mem > 4 * 1024 * 1024, `memory ${mem}`);
});

test('the CPU limit throttles the process tree through a control group', async (t) => {
  const burn = nodeScript('burner', 'for (;;) {}', { resources: { limits: { cpu: 0.2 } } });
  const { supervisor, dispose } = await startSupervisor([burn]);
  t.after(dispose);
  await eventually('the process', () => supervisor.component('burner')?.pid);
  if (!supervisor.component('burner')?.cpuLimitEnforced) {
    t.skip(
      'control groups cannot be written here (not root, or no cpu controller): the limit is only reported',
    );
    return;
  }
  const start = Date.now();
  const cpu0 = supervisor.component('burner')!.cpuSeconds;
  await new Promise((r) => setTimeout(r, 3000));
  const wall = (Date.now() - start) / 1000;
  const used = supervisor.component('burner')!.cpuSeconds - cpu0;
  // Unthrottled, a busy loop uses about one CPU second per second; limited to 0.2 cores, a fifth of that.
  assert.ok(used < wall * 0.5, `used ${used.toFixed(2)} CPU s in ${wall.toFixed(1)} s`);
  await eventually('throttled periods', () => (supervisor.component('burner')?.cpuThrottledPeriods ?? 0) > 0);
  const text = await metricsText(supervisor);
  assert.ok((sample(text, 'container_cpu_cfs_throttled_periods_total', { container: 'burner' }) ?? 0) > 0);
});

test('readiness probes slow down once the component is ready (readyPeriodMs)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-probes-'));
  const count = join(dir, 'probes');
  const idle = nodeScript('idle', 'setInterval(() => {}, 1000)');
  // Fails until the third try, then succeeds: the start is probed every 50 ms, the ready component every 400 ms.
  idle.readinessProbe = {
    exec: { command: '/bin/sh', args: ['-c', `echo x >> ${count}; [ $(wc -l < ${count}) -ge 3 ]`] },
    periodMs: 50,
    readyPeriodMs: 400,
  };
  const { supervisor, dispose } = await startSupervisor([idle]);
  t.after(dispose);
  await supervisor.waitUntilReady(20_000);
  const atReady = readFileSync(count, 'utf8').split('\n').filter(Boolean).length;
  assert.equal(atReady, 3);
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  const after = readFileSync(count, 'utf8').split('\n').filter(Boolean).length;
  // At most four more at 400 ms (fewer on a slow machine, never more); at the start period it would
  // have been over twenty.
  assert.ok(after - atReady >= 1 && after - atReady <= 6, `${after - atReady} probes in 1.3 s once ready`);
});

test('readiness gates dependents: nothing starts before what it depends on is ready or completed', async (t) => {
  const db = nodeScript(
    'db',
    "setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1'), 400)",
  );
  const port = await freePort();
  db.env = { PORT: String(port) };
  db.readinessProbe = { http: { port, path: '/' }, periodMs: 100 };
  const migrate = nodeScript('migrate', 'setTimeout(() => process.exit(0), 200)', {
    kind: 'job',
    dependsOn: ['db'],
  });
  const api = nodeScript('api', 'setInterval(() => {}, 1000)', { dependsOn: ['migrate'] });
  const { supervisor, dispose } = await startSupervisor([api, migrate, db]);
  t.after(dispose);
  const events: string[] = [];
  supervisor.on('change', (s) => events.push(`${s.name}:${s.state}${s.ready ? ':ready' : ''}`));
  await supervisor.waitUntilReady(20_000);
  const at = (e: string) => events.indexOf(e);
  assert.ok(at('db:Running:ready') >= 0, events.join(' '));
  assert.ok(at('migrate:Running') > at('db:Running:ready'), events.join(' '));
  assert.ok(at('api:Running:ready') > at('migrate:Completed'), events.join(' '));
  assert.deepEqual(
    supervisor.status().map((s) => s.name),
    ['db', 'migrate', 'api'],
  );
});

test('stop: reverse dependency order, SIGKILL after the grace period, no process left behind', async (t) => {
  // The shell starts children, one in a session of its own (as PostgreSQL's backends do); the node
  // process ignores SIGTERM.
  const tree = {
    name: 'tree',
    command: '/bin/sh',
    args: ['-c', 'sleep 1000 & setsid sleep 1000 & wait'],
    terminationGracePeriodMs: 2000,
  };
  const stubborn = nodeScript(
    'stubborn',
    "process.on('SIGTERM', () => {}); console.log('armed'); setInterval(() => {}, 1000)",
    {
      dependsOn: ['tree'],
      terminationGracePeriodMs: 300,
    },
  );
  const { supervisor, dispose } = await startSupervisor([tree, stubborn]);
  t.after(dispose);
  await supervisor.waitUntilReady(10_000);
  const sessions = supervisor.status().map((s) => s.pid!);
  await eventually('the children', () => processTree(sessions[0]!).length >= 3);
  await eventually('the SIGTERM handler', () =>
    readFileSync(supervisor.component('stubborn')!.logPath!, 'utf8').includes('armed'),
  );
  const pids = sessions.flatMap((sid) => processTree(sid).map((p) => p.pid));
  assert.ok(pids.length >= 4);
  const stopped: string[] = [];
  supervisor.on('change', (s) => s.state === 'Stopped' && stopped.push(s.name));
  await supervisor.stop();
  assert.deepEqual(stopped, ['stubborn', 'tree']);
  assert.equal(supervisor.component('stubborn')?.lastTermination?.signal, 'SIGKILL');
  const all = listProcesses();
  for (const sid of sessions)
    assert.deepEqual(processTree(sid, all), [], `the tree of ${sid} left processes`);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} survived`);
});

test('a busy port fails the start before anything runs, naming the port, the component and the owner', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const spec = nodeScript('web', 'setInterval(() => {}, 1000)', { ports: [{ name: 'http', port }] });
  const supervisor = new Supervisor({
    components: [spec],
    logDir: '/tmp/opsight-unused',
    listen: { port: 0 },
  });
  await assert.rejects(supervisor.start(), (err: PortInUseError) => {
    assert.ok(err instanceof PortInUseError);
    assert.equal(err.port, port);
    assert.equal(err.component, 'web');
    assert.equal(err.owner?.pid, process.pid);
    assert.match(err.message, new RegExp(`port ${port} \\(web http\\).*in use by pid ${process.pid}`));
    return true;
  });
  assert.equal(supervisor.component('web')?.state, 'Pending');
  blocker.close();
});

test('CRI log files land in <logDir>/<namespace>_<pod>_<uid>/<container>/<restart>.log with labels.json', async (t) => {
  const talk = nodeScript(
    'talker',
    'console.log(\'{"level":"INFO"}\'); console.error(\'warn\'); setInterval(() => {}, 1000)',
    {
      namespace: 'core-services',
      app: 'api-service',
    },
  );
  const { supervisor, logDir, dispose } = await startSupervisor([talk]);
  t.after(dispose);
  const s = await eventually('output', () => {
    const st = supervisor.component('talker');
    return st?.logPath && readFileSync(st.logPath, 'utf8').split('\n').length >= 3 ? st : undefined;
  });
  assert.equal(s.logPath, join(logDir, `core-services_api-service-0_${s.uid}`, 'talker', '0.log'));
  const lines = readFileSync(s.logPath!, 'utf8').trimEnd().split('\n');
  assert.match(lines[0]!, /^\S+Z stdout F \{"level":"INFO"\}$/);
  assert.match(lines[1]!, /^\S+Z stderr F warn$/);
  const labels = JSON.parse(
    readFileSync(join(logDir, `core-services_api-service-0_${s.uid}`, 'labels.json'), 'utf8'),
  );
  assert.deepEqual(labels.labels, { app: 'api-service' });
  assert.equal(labels.container, 'talker');
  // Every component's output: no other user reads the log tree.
  for (const dir of [logDir, join(logDir, `core-services_api-service-0_${s.uid}`), join(s.logPath!, '..')])
    assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
});

test('log directories of old runs are pruned at start, keeping the newest earlier runs of each pod', async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'opsight-prune-'));
  const old = [
    '00000000-0000-4000-8000-000000000001',
    '00000000-0000-4000-8000-000000000002',
    '00000000-0000-4000-8000-000000000003',
  ];
  old.forEach((uid, i) => {
    const dir = join(logDir, `opsight_quiet-0_${uid}`);
    mkdirSync(join(dir, 'quiet'), { recursive: true });
    utimesSync(dir, 1000 + i, 1000 + i);
  });
  const supervisor = new Supervisor({
    components: [nodeScript('quiet', 'setInterval(() => {}, 1000)')],
    logDir,
    listen: { port: 0 },
  });
  await supervisor.start();
  t.after(() => supervisor.stop());
  assert.equal(existsSync(join(logDir, `opsight_quiet-0_${old[0]}`)), false, 'the oldest run is removed');
  assert.equal(existsSync(join(logDir, `opsight_quiet-0_${old[1]}`)), true);
  assert.equal(existsSync(join(logDir, `opsight_quiet-0_${old[2]}`)), true);
  assert.equal(existsSync(join(logDir, `opsight_quiet-0_${supervisor.component('quiet')!.uid}`)), true);
});

test('invalid specs are rejected with the offending field', () => {
  const base = { command: '/bin/true' };
  const cases: [object[], RegExp][] = [
    [[{ ...base, name: 'Bad_Name' }], /name/],
    [[{ ...base, name: 'a', dependsOn: ['missing'] }], /dependsOn: unknown component "missing"/],
    [
      [
        { ...base, name: 'a', dependsOn: ['b'] },
        { ...base, name: 'b', dependsOn: ['a'] },
      ],
      /dependency cycle/,
    ],
    [
      [
        { ...base, name: 'a', ports: [{ name: 'http', port: 8080 }] },
        { ...base, name: 'b', ports: [{ name: 'http', port: 8080 }] },
      ],
      /port 8080 is also declared by "a"/,
    ],
    [[{ ...base, name: 'a', ports: [{ name: 'http', port: 70000 }] }], /not in 1..65535/],
    [[{ ...base, name: 'a', readinessProbe: {} }], /readinessProbe: needs exactly one/],
    [[{ ...base, name: 'a', resources: { limits: { memoryBytes: -1 } } }], /memoryBytes/],
  ];
  for (const [components, pattern] of cases) {
    assert.throws(
      () => new Supervisor({ components: components as never, logDir: '/tmp/x', listen: { port: 0 } }),
      (err: Error) => err instanceof SpecError && pattern.test(err.message),
    );
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('POST /api/v1/components/<name>/stop keeps a component stopped until /start runs it again', async (t) => {
  const sleeper = nodeScript('sleeper', 'setInterval(() => console.log("tick"), 100)', {
    backoff: { initialMs: 50 },
  });
  const { supervisor, logDir, dispose } = await startSupervisor([sleeper]);
  t.after(dispose);
  await supervisor.waitUntilReady(10_000);
  const first = supervisor.component('sleeper')!;
  const post = (path: string) => fetch(`${supervisor.url}${path}`, { method: 'POST' });

  const stopped = await post('/api/v1/components/sleeper/stop');
  assert.equal(stopped.status, 200);
  assert.equal(((await stopped.json()) as { component: { state: string } }).component.state, 'Stopped');
  assert.equal(isAlive(first.pid!), false, 'the process is gone');
  // Longer than the back-off: a stopped component is not restarted.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(supervisor.component('sleeper')?.state, 'Stopped');

  const again = await post('/api/v1/components/sleeper/start');
  assert.equal(again.status, 200);
  const after = await eventually('the component ready again', () => {
    const s = supervisor.component('sleeper');
    return s?.ready ? s : undefined;
  });
  assert.notEqual(after.pid, first.pid);
  assert.equal(after.restarts, first.restarts + 1);
  assert.match(after.logPath ?? '', /\/sleeper\/1\.log$/);
  assert.ok(after.logPath?.startsWith(logDir));

  const running = await post('/api/v1/components/sleeper/start');
  assert.equal(running.status, 409);
  assert.equal(((await running.json()) as { error: { code: string } }).error.code, 'COMPONENT_NOT_STOPPED');
  const unknown = await post('/api/v1/components/nope/stop');
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'COMPONENT_NOT_FOUND');
});

test('the API serves the admin paths; writes to them are refused with 405', async (t) => {
  const { supervisor, dispose } = await startSupervisor([]);
  t.after(dispose);
  for (const path of ['/healthz', '/readyz']) {
    const res = await fetch(`${supervisor.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.deepEqual(await res.json(), { status: 'ok' });
  }
  assert.match(await (await fetch(`${supervisor.url}/metrics`)).text(), /^opsight_supervisor_/m);
  const write = await fetch(`${supervisor.url}/metrics`, { method: 'POST' });
  assert.equal(write.status, 405);
  assert.equal(((await write.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
  const other = await fetch(`${supervisor.url}/api/v1/nothing`);
  assert.equal(other.status, 404);
});
