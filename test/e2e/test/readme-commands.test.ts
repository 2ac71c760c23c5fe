// Every `npx opsight …` command of README.md and README.zh-CN.md, run as written through npx against the
// running stack, from a shell whose PATH is the user's (the checkout's own node_modules/.bin removed, so
// `npx` and the `node` it finds are the machine's). The e2e stack is named by the environment the CLI
// reads (OPSIGHT_PORT_OFFSET, OPSIGHT_VAR_DIR). A command that runs until stopped (`logs -f`, a `load`
// longer than a test should take) gets Ctrl-C once it has shown what it does, as a reader would press it.
//
// Each command is checked by what it is for; a command this file does not know must still exit 0 with
// output. A README command that cannot run as written fails here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PORTS, MODEL_SERVING_INSTANCES, SLOW_MODEL } from '@opsight/cli';
import type { ComponentStatus } from '@opsight/supervisor';
import { E2E_ENV, eventually, opsight, port, root } from '../src/env.js';
import { commandArgs, readmeCommands } from '../src/readme-commands.js';

const READMES = ['README.md', 'README.zh-CN.md'];
const GATEWAY = `http://127.0.0.1:${port(DEFAULT_PORTS.gateway)}`;
/** How long a command that runs until stopped runs before Ctrl-C. */
const CTRL_C_AFTER_MS = 15_000;
/** A command still running this long after it started (or after Ctrl-C) has hung. */
const HUNG_AFTER_MS = 120_000;
/** The component that `<component>` stands for; the test restarts it once, so it has a previous run. */
const COMPONENT = 'redis-exporter';

const userEnv: NodeJS.ProcessEnv = {
  ...E2E_ENV,
  PATH: (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !`${resolve(dir)}${sep}`.startsWith(`${root}${sep}`))
    .join(delimiter),
};

interface Run {
  command: string;
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
  /** Whether the test pressed Ctrl-C. */
  interrupted: boolean;
}

const show = (r: Run) => `${r.command}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/**
 * Runs `npx <args>` in the checkout, in its own process group. With `runsUntilStopped`, Ctrl-C (SIGINT to
 * the group) once `ready` holds for its output, or after {@link CTRL_C_AFTER_MS}.
 */
function npx(
  command: string,
  args: string[],
  runsUntilStopped: boolean,
  ready: (stdout: string) => boolean = () => false,
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn('npx', args, { cwd: root, env: userEnv, detached: true });
    const run: Run = { command, args, status: null, stdout: '', stderr: '', interrupted: false };
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const interrupt = () => {
      if (run.interrupted || !runsUntilStopped) return;
      run.interrupted = true;
      group('SIGINT');
      hung.refresh();
    };
    const ctrlC = setTimeout(interrupt, CTRL_C_AFTER_MS);
    const hung = setTimeout(() => {
      group('SIGKILL');
      fail(new Error(`hung: ${show(run)}`));
    }, HUNG_AFTER_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      run.stdout += chunk;
      if (ready(run.stdout)) interrupt();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      run.stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (status) => {
      clearTimeout(ctrlC);
      clearTimeout(hung);
      run.status = status;
      done(run);
    });
  });
}

function components(): ComponentStatus[] {
  const r = opsight(['status', '--json']);
  return (JSON.parse(r.stdout) as { components: ComponentStatus[] }).components;
}

/** The latency fault of the model-serving instance that serves {@link SLOW_MODEL}. */
async function slowModelLatency(): Promise<number> {
  const index = MODEL_SERVING_INSTANCES.findIndex((i) => i.model === SLOW_MODEL.model);
  const res = await fetch(`http://127.0.0.1:${port(DEFAULT_PORTS.modelServing) + index}/admin/faults`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { latencyMs: number }).latencyMs;
}

/** What each command is for, by its subcommand; each returns nothing and asserts. */
async function check(command: string): Promise<void> {
  const args = commandArgs(command, { component: COMPONENT });
  assert.deepEqual(args.slice(0, 2), ['npx', 'opsight'], command);
  const [sub, ...rest] = args.slice(2);
  const follow = sub === 'logs' && (rest.includes('-f') || rest.includes('--follow'));
  switch (sub) {
    case 'status': {
      const r = await npx(command, args.slice(1), false);
      assert.equal(r.status, 0, show(r));
      const json = rest.includes('--json');
      for (const c of components()) assert.ok(r.stdout.includes(c.name), `${c.name} missing: ${show(r)}`);
      if (!json) assert.match(r.stdout, /all \d+ components ready/, show(r));
      return;
    }
    case 'logs': {
      const r = await npx(command, args.slice(1), follow, (out) => lines(out).length >= 3);
      if (follow) assert.ok(r.interrupted, `stopped by itself: ${show(r)}`);
      else assert.equal(r.status, 0, show(r));
      assert.ok(lines(r.stdout).length >= 1, `no log lines: ${show(r)}`);
      assert.doesNotMatch(r.stdout, /^(\d{4}-\d\d-\d\dT\S+) (stdout|stderr) [FP] /m, 'CRI framing removed');
      if (rest.includes('--previous') || rest.includes('-p')) {
        const current = opsight(['logs', rest[0]!]);
        assert.notEqual(r.stdout, current.stdout, 'the run before, not the current one');
      }
      return;
    }
    case 'keys': {
      const r = await npx(command, args.slice(1), false);
      assert.equal(r.status, 0, show(r));
      if (rest[0] === 'create') {
        const key = /^(sk-\S+)$/m.exec(r.stdout)?.[1];
        assert.ok(key, `no key printed: ${show(r)}`);
        const res = await fetch(`${GATEWAY}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(res.status, 200, `the new key does not authenticate: ${await res.text()}`);
        const anonymous = await fetch(`${GATEWAY}/v1/models`);
        assert.equal(anonymous.status, 401);
      } else {
        assert.ok(lines(r.stdout).length >= 1, show(r));
      }
      return;
    }
    case 'load': {
      const slow = rest[0] === 'slow-model';
      const before = slow ? await slowModelLatency() : 0;
      const r = await npx(command, args.slice(1), true);
      assert.equal(r.status === 0 || r.interrupted, true, show(r));
      const sent = Number(/^requests\s+(\d+) in /m.exec(r.stdout)?.[1]);
      assert.ok(sent > 0, `no requests sent: ${show(r)}`);
      const truthFile = /^truth\s+(\S+)$/m.exec(r.stdout)?.[1];
      assert.ok(truthFile && existsSync(truthFile), `no ground truth file: ${show(r)}`);
      const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as {
        scenario: string;
        requests: { total: number };
      };
      assert.equal(truth.scenario, rest[0]);
      assert.equal(truth.requests.total, sent);
      if (slow) {
        assert.match(r.stdout, new RegExp(`${SLOW_MODEL.model} answers ${SLOW_MODEL.addedTtftMs} ms slower`));
        assert.equal(await slowModelLatency(), before, 'the slow model is put back after the run');
      }
      return;
    }
    default: {
      const r = await npx(command, args.slice(1), false);
      assert.equal(r.status, 0, show(r));
      assert.ok(r.stdout.trim() !== '', `no output: ${show(r)}`);
    }
  }
}

const byReadme = READMES.map((file) => readmeCommands(readFileSync(join(root, file), 'utf8')));
const commands = [...new Set(byReadme.flat())];

test('the READMEs show the same opsight commands, for status, logs, keys and load', () => {
  assert.deepEqual(
    [...byReadme[1]!].sort(),
    [...byReadme[0]!].sort(),
    'README.zh-CN.md differs from README.md',
  );
  const subcommands = new Set(commands.map((c) => c.split(/\s+/)[2]));
  for (const sub of ['status', 'logs', 'keys', 'load'])
    assert.ok(subcommands.has(sub), `no "npx opsight ${sub}"`);
});

test(`${COMPONENT} restarted once, so that it has a previous run for --previous`, async () => {
  const before = components().find((c) => c.name === COMPONENT);
  assert.ok(before?.pid, COMPONENT);
  process.kill(before.pid, 'SIGKILL');
  await eventually(`${COMPONENT} restarted and ready`, async () => {
    const c = components().find((x) => x.name === COMPONENT);
    return c && c.restarts > before.restarts && c.ready;
  });
});

for (const command of commands) {
  test(`README: ${command}`, () => check(command));
}
