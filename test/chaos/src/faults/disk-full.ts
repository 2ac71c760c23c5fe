/**
 * A full disk under the log store. The stack's store lives on the main disk, so this fault runs a separate
 * log store instance (the same program) with its data directory on a small tmpfs mounted for it (needs
 * root; skipped with the reason otherwise). A ballast file leaves a few MiB free; numbered lines are pushed
 * until the store refuses a push for lack of space, a refused batch is retried a few times, then the
 * ballast is deleted (space freed) and the refused batch retried until acknowledged. Every acknowledged
 * line is queried back. Targets: 0 acknowledged lines lost, the refusal is a 503 with Retry-After, and
 * pushes are acknowledged again within 30 s of freeing space, without a restart.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countLines, lineText, lineTs, nowNs } from '../logs.js';
import { countPresence, type FaultRow, noLoss, recoveredWithin, skippedRow } from '../row.js';
import { runId, sleep } from '../stack.js';
import { range } from './collector-rotation.js';

export interface DiskFullOptions {
  /** Size of the tmpfs. @default '32m' */
  size?: string;
  /** Free space left beside the ballast, bytes. @default 4 MiB */
  headroomBytes?: number;
  /** Lines per push. @default 500 */
  batch?: number;
}

const FAULT = 'full disk under the log store';

export async function diskFull(o: DiskFullOptions = {}): Promise<FaultRow> {
  if (process.getuid?.() !== 0)
    return skippedRow(FAULT, 'mounting a tmpfs needs root; run the suite as root');
  const dir = mkdtempSync(join(tmpdir(), 'opsight-chaos-disk-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${o.size ?? '32m'},mode=0700`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mount.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return skippedRow(FAULT, `cannot mount a tmpfs: ${(mount.stderr || mount.error?.message || '').trim()}`);
  }
  let store: ChildProcess | undefined;
  try {
    const fs = statfsSync(dir);
    const ballast = join(dir, 'ballast');
    writeFileSync(
      ballast,
      Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - (o.headroomBytes ?? 4 * 1024 * 1024))),
    );
    mkdirSync(join(dir, 'data'));
    const started = await startStore(join(dir, 'data'));
    store = started.child;
    const url = started.url;
    const run = runId('disk-full');
    const labels = { job: 'chaos', fault: 'disk-full', run };
    const base = nowNs();
    const batch = o.batch ?? 500;
    const acked: number[] = [];
    let sent = 0;
    let requestsFailed = 0;
    let next = 0;
    let refusal: { status: number; body: string; retryAfter: string | null } | undefined;
    // Fill: push until a push is refused (not for the rate limit).
    const fillDeadline = Date.now() + 60_000;
    let pending: number[] = [];
    while (!refusal && Date.now() < fillDeadline) {
      pending = range(next, next + batch);
      next += batch;
      sent += batch;
      const r = await push(url, labels, run, base, pending);
      if (r.status === 204) acked.push(...pending);
      else if (r.status === 429) {
        requestsFailed++;
        next -= batch;
        sent -= batch;
        await sleep(1000);
      } else {
        requestsFailed++;
        refusal = r;
      }
    }
    if (!refusal) throw new Error('the store never refused a push on a full disk');
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const r = await push(url, labels, run, base, pending);
      if (r.status === 204) {
        acked.push(...pending);
        pending = [];
        break;
      }
      requestsFailed++;
    }
    rmSync(ballast);
    const freedAt = Date.now();
    // Recovered once the refused batch is acknowledged (at once if a retry already got it in).
    let recovery: number | null = pending.length ? null : 0;
    while (pending.length && Date.now() - freedAt < 30_000) {
      const r = await push(url, labels, run, base, pending);
      if (r.status === 204) {
        acked.push(...pending);
        pending = [];
        recovery = (Date.now() - freedAt) / 1000;
        break;
      }
      requestsFailed++;
      await sleep(500);
    }
    if (recovery !== null) {
      // A few more pushes after recovery: they must be acknowledged too.
      for (let i = 0; i < 5; i++) {
        const numbers = range(next, next + batch);
        next += batch;
        sent += batch;
        const r = await push(url, labels, run, base, numbers);
        if (r.status === 204) acked.push(...numbers);
        else requestsFailed++;
      }
    }
    const found = await countLines(url, `{job="chaos", run="${run}"}`, run, base, next);
    const { present, lost, duplicated } = countPresence(acked, found);
    const code = /"code"\s*:\s*"([^"]+)"/.exec(refusal.body)?.[1];
    return {
      fault: FAULT,
      sent,
      acknowledged: acked.length,
      present,
      lost,
      duplicated,
      requestsFailed,
      recoverySeconds: recovery,
      targets: [
        noLoss(lost, 'lines'),
        {
          name: 'a full disk is answered 503 with Retry-After',
          met: refusal.status === 503 && refusal.retryAfter !== null,
          detail: `HTTP ${refusal.status}${code ? ` ${code}` : ''}, Retry-After ${refusal.retryAfter ?? 'absent'}`,
        },
        recoveredWithin(recovery, 30, 'pushes acknowledged again after space was freed'),
      ],
      note: `A separate log store on a ${o.size ?? '32m'} tmpfs; ${batch} lines a push until refused (HTTP ${refusal.status}${code ? ` ${code}` : ''}), ballast deleted, refused batch retried; queried back by LogQL.`,
    };
  } finally {
    if (store && store.exitCode === null) {
      store.kill('SIGTERM');
      await Promise.race([new Promise((r) => store!.once('exit', r)), sleep(5000)]);
      if (store.exitCode === null) store.kill('SIGKILL');
    }
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function push(
  url: string,
  labels: Record<string, string>,
  run: string,
  base: bigint,
  numbers: number[],
): Promise<{ status: number; body: string; retryAfter: string | null }> {
  // Lines of ~190 bytes fill the disk sooner; Retry-After needs the response headers.
  const body = JSON.stringify({
    streams: [
      {
        stream: labels,
        values: numbers.map((n) => [String(lineTs(base, n)), `${lineText(run, n)} ${'x'.repeat(150)}`]),
      },
    ],
  });
  try {
    const res = await fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    return { status: 0, body: (err as Error).message, retryAfter: null };
  }
}

/** The log store's program, found through its package. */
const logstoreBin = join(
  dirname(fileURLToPath(import.meta.resolve('@opsight/logstore'))),
  'bin',
  'logstore.js',
);

/** Starts a log store on a free port with its data in `dataDir`; resolves with its URL once it listens. */
function startStore(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      logstoreBin,
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      '--limit',
      'ingestion_rate_mb=64',
      '--limit',
      'ingestion_burst_size_mb=64',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the log store did not start: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, url: m[1]! });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the log store exited with ${code}: ${out}`));
    });
  });
}
