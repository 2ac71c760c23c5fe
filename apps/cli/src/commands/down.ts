import { acquireRunLock, isRunning, readRunRecord } from '@opsight/supervisor';
import { stackPaths } from '../stack/paths.js';

/**
 * `opsight down`: asks the running supervisor to stop (SIGTERM: the same graceful stop as Ctrl-C) and
 * waits for it. A stale lock left by a crashed supervisor is cleaned, with any process it left behind.
 */
export async function down(options: { root: string; timeoutMs?: number }): Promise<number> {
  const paths = stackPaths(options.root);
  const record = readRunRecord(paths.lockFile);
  if (!record || !isRunning(record)) {
    if (record) {
      // Take and release the lock: that kills what a crashed supervisor left behind.
      acquireRunLock(paths.lockFile, record.apiUrl, (m) => process.stdout.write(`opsight: ${m}\n`)).release();
    }
    process.stdout.write('opsight: not running\n');
    return 0;
  }
  process.stdout.write(`opsight: stopping the stack (supervisor pid ${record.pid})…\n`);
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (isRunning(record)) {
    if (Date.now() > deadline) {
      process.stderr.write(`opsight: the supervisor did not stop in time; killing it\n`);
      process.kill(record.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      acquireRunLock(paths.lockFile, record.apiUrl, (m) => process.stdout.write(`opsight: ${m}\n`)).release();
      return 1;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write('opsight: stopped\n');
  return 0;
}
