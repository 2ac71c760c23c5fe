import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../src/root.js';

const root = repoRoot();
const runtimeFile = join(root, 'apps/cli/bin/node-runtime.cjs');

interface Choice {
  source: 'OPSIGHT_NODE' | 'PATH' | 'toolchain';
  node: string | undefined;
  version: string | undefined;
  reason: string;
}
type Plan = { run: 'here' } | { run: 'too-old' } | { run: 'chosen'; node: string };
const runtime = createRequire(import.meta.url)(runtimeFile) as {
  MIN_NODE_MAJOR: number;
  selectNode(root: string, env: NodeJS.ProcessEnv): Choice;
  planRun(root: string | undefined, running: string, version: string, reexecuted: boolean): Plan;
};

const scratch = mkdtempSync(join(tmpdir(), 'opsight-node-runtime-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory holding a fake `node` that answers `--version` with `version` (and anything else with `body`). */
function fakeNode(name: string, version: string, body = 'exit 0'): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'node');
  writeFileSync(file, `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; exit 0; fi\n${body}\n`);
  chmodSync(file, 0o755);
  return dir;
}

/** A fake checkout (package.json named opsight), optionally with the bootstrap's node link. */
function fakeCheckout(name: string, chosenNode?: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"opsight"}\n');
  if (chosenNode) symlinkSync(chosenNode, join(dir, 'node_modules', '.bin', 'node'));
  return dir;
}

const node20 = fakeNode('node20', 'v20.20.2');
const node22 = fakeNode('node22', 'v22.12.0');
const node24 = fakeNode('node24', 'v24.22.3');
const broken = fakeNode('broken', 'not-a-version');
const checkout = fakeCheckout('checkout');

test('the oldest Node.js is 22', () => {
  assert.equal(runtime.MIN_NODE_MAJOR, 22);
});

test('OPSIGHT_NODE wins over a newer node on PATH', () => {
  const c = runtime.selectNode(checkout, { OPSIGHT_NODE: join(node22, 'node'), PATH: node24 });
  assert.deepEqual(c, {
    source: 'OPSIGHT_NODE',
    node: join(node22, 'node'),
    version: 'v22.12.0',
    reason: 'OPSIGHT_NODE names it',
  });
});

test('OPSIGHT_NODE older than 22, missing or not a node: a clear error, never a fallback', () => {
  assert.throws(
    () => runtime.selectNode(checkout, { OPSIGHT_NODE: join(node20, 'node'), PATH: node24 }),
    /OPSIGHT_NODE=.*node20\/node is Node.js v20.20.2; Opsight needs 22 or newer/,
  );
  assert.throws(
    () => runtime.selectNode(checkout, { OPSIGHT_NODE: join(scratch, 'nowhere', 'node'), PATH: node24 }),
    /OPSIGHT_NODE=.*nowhere\/node is not an executable file/,
  );
  assert.throws(
    () => runtime.selectNode(checkout, { OPSIGHT_NODE: join(broken, 'node'), PATH: node24 }),
    /does not run as Node.js/,
  );
});

test('the node on PATH when it is 22 or newer', () => {
  const c = runtime.selectNode(checkout, { PATH: [join(scratch, 'empty'), node22, node24].join(':') });
  assert.equal(c.source, 'PATH');
  assert.equal(c.node, join(node22, 'node'));
  assert.equal(c.version, 'v22.12.0');
});

test('the toolchain when the first node on PATH is older than 22, even with a newer one after it', () => {
  const c = runtime.selectNode(checkout, { PATH: `${node20}:${node24}` });
  assert.equal(c.source, 'toolchain');
  assert.equal(c.node, undefined);
  assert.match(c.reason, /the node on PATH \(.*node20\/node\) is v20.20.2, older than 22/);
});

test('the toolchain when there is no node on PATH, or one that does not run', () => {
  assert.deepEqual(runtime.selectNode(checkout, { PATH: join(scratch, 'empty') }), {
    source: 'toolchain',
    node: undefined,
    version: undefined,
    reason: 'there is no node on PATH',
  });
  assert.match(runtime.selectNode(checkout, { PATH: broken }).reason, /is not a working Node.js/);
});

test('PATH entries inside the checkout are the bootstrap’s own link, not the machine’s node', () => {
  const withLink = fakeCheckout('checkout-with-link', join(node24, 'node'));
  const c = runtime.selectNode(withLink, { PATH: `${join(withLink, 'node_modules', '.bin')}:${node20}` });
  assert.equal(c.source, 'toolchain');
});

test('`select` prints source, node, version and reason on four lines; a bad OPSIGHT_NODE exits 1', () => {
  const ok = spawnSync(process.execPath, [runtimeFile, 'select', checkout], {
    env: { PATH: node24 },
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, `PATH\n${join(node24, 'node')}\nv24.22.3\nthe node on PATH is 22 or newer\n`);
  const toolchain = spawnSync(process.execPath, [runtimeFile, 'select', checkout], {
    env: { PATH: node20 },
    encoding: 'utf8',
  });
  assert.equal(toolchain.stdout.split('\n').slice(0, 3).join('|'), 'toolchain||');
  const bad = spawnSync(process.execPath, [runtimeFile, 'select', checkout], {
    env: { PATH: node24, OPSIGHT_NODE: join(node20, 'node') },
    encoding: 'utf8',
  });
  assert.equal(bad.status, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /Opsight needs 22 or newer/);
});

test('an entry point runs under the chosen node, whichever started it', () => {
  const chosen = fakeCheckout('checkout-chosen', join(node24, 'node'));
  assert.deepEqual(runtime.planRun(chosen, join(node20, 'node'), '20.20.2', false), {
    run: 'chosen',
    node: join(node24, 'node'),
  });
  assert.deepEqual(runtime.planRun(chosen, join(node22, 'node'), '22.12.0', false), {
    run: 'chosen',
    node: join(node24, 'node'),
  });
  assert.deepEqual(runtime.planRun(chosen, join(node24, 'node'), '24.22.3', false), { run: 'here' });
  // Handed over once already: no loop, whatever the link says.
  assert.deepEqual(runtime.planRun(chosen, join(node22, 'node'), '22.12.0', true), { run: 'here' });
  assert.deepEqual(runtime.planRun(chosen, join(node20, 'node'), '20.20.2', true), { run: 'too-old' });
});

test('with no choice recorded: here when new enough, otherwise too old', () => {
  assert.deepEqual(runtime.planRun(checkout, join(node22, 'node'), '22.12.0', false), { run: 'here' });
  assert.deepEqual(runtime.planRun(checkout, join(node20, 'node'), '20.20.2', false), { run: 'too-old' });
  assert.deepEqual(runtime.planRun(undefined, join(node20, 'node'), '20.20.2', false), { run: 'too-old' });
});

test('the opsight bin hands its arguments to the chosen node, and passes its exit status back', () => {
  const fake = fakeNode('recording', 'v24.0.0', 'echo "ran: $*"; exit 7');
  const chosen = fakeCheckout('checkout-recording', join(fake, 'node'));
  const bin = join(root, 'apps/cli/bin/opsight.cjs');
  const r = spawnSync(process.execPath, [bin, 'keys', 'list', '--user', 'alice'], {
    env: { ...process.env, OPSIGHT_ROOT: chosen },
    encoding: 'utf8',
  });
  assert.equal(r.status, 7, r.stderr);
  assert.equal(r.stdout, `ran: ${bin} keys list --user alice\n`);
});

test('the opsight bin passes SIGTERM on to the chosen node and exits as it does', async () => {
  const fake = fakeNode(
    'terminating',
    'v24.0.0',
    "trap 'echo terminated; exit 5' TERM\necho started\nwhile :; do sleep 0.05; done",
  );
  const chosen = fakeCheckout('checkout-terminating', join(fake, 'node'));
  const child = spawn(process.execPath, [join(root, 'apps/cli/bin/opsight.cjs'), 'logs', 'x', '-f'], {
    env: { ...process.env, OPSIGHT_ROOT: chosen },
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (chunk.includes('started')) child.kill('SIGTERM');
  });
  const status = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(stdout, 'started\nterminated\n');
  assert.equal(status, 5);
});

test('the opsight bin without a build: a clear message, exit 1', () => {
  const pkg = join(fakeCheckout('checkout-unbuilt'), 'apps', 'cli', 'bin');
  mkdirSync(pkg, { recursive: true });
  for (const file of ['opsight.cjs', 'node-runtime.cjs']) {
    copyFileSync(join(root, 'apps/cli/bin', file), join(pkg, file));
  }
  const r = spawnSync(process.execPath, [join(pkg, 'opsight.cjs'), 'status'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /opsight: the build is missing \(.*dist\/src\/bin\/opsight.js\)\.\nRun scripts\/bootstrap/,
  );
});
