/**
 * Starts the e2e stack in the background (its own process session, output in test-output/e2e-up.log) and
 * exits 0 once `opsight up` reports ready, 1 if it fails or is not ready in time. A leftover e2e stack is
 * stopped first and its state removed, so every run starts from initdb and a fresh base backup.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stackContext } from '@opsight/cli';
import { cli, E2E_ENV, opsight, root, varDir } from './env.js';

const log = join(root, 'test-output', 'e2e-up.log');
mkdirSync(join(root, 'test-output'), { recursive: true });
opsight(['down']);
rmSync(varDir, { recursive: true, force: true });
// PostgreSQL's data may live outside the checkout (see postgresRoot): clear that too.
const { pgRoot } = stackContext(root, E2E_ENV);
if (pgRoot.startsWith('/var/lib/opsight/')) rmSync(pgRoot, { recursive: true, force: true });

const fd = openSync(log, 'w');
const child = spawn(process.execPath, ['--enable-source-maps', cli, 'up'], {
  env: E2E_ENV,
  detached: true,
  stdio: ['ignore', fd, fd],
});
closeSync(fd);
child.unref();

const deadline = Date.now() + 240_000;
const timer = setInterval(() => {
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  if (text.includes('opsight: ready')) {
    process.stdout.write(`e2e: stack ready (log: ${log})\n`);
    process.exit(0);
  }
  if (child.exitCode !== null || Date.now() > deadline) {
    clearInterval(timer);
    process.stdout.write(`e2e: the stack did not become ready:\n${text}\n`);
    if (child.exitCode === null) opsight(['down']);
    process.exit(1);
  }
}, 250);
