/**
 * SIGKILL of the log store mid-ingest. Numbered lines go through the Loki push API from four clients in
 * batches; a batch is retried until acknowledged (204) or the fault's deadline. Once a third of the lines
 * are acknowledged the store's process is killed (the supervisor restarts it). Afterwards every
 * acknowledged line is queried back by LogQL. Recovery: the kill until the first acknowledged push after it.
 */
import { countLines, nowNs, pushLines } from '../logs.js';
import { countPresence, type FaultRow, noLoss, recoveredWithin } from '../row.js';
import { type ChaosStack, runId, sleep } from '../stack.js';

export interface LogstoreKillOptions {
  /** Numbered lines to push. @default 24000 */
  lines?: number;
  /** Lines per push. @default 200 */
  batch?: number;
  /** Bound of the whole fault, ms. @default 90000 */
  deadlineMs?: number;
}

export async function logstoreKill(stack: ChaosStack, o: LogstoreKillOptions = {}): Promise<FaultRow> {
  const total = o.lines ?? 24_000;
  const batch = o.batch ?? 200;
  const deadline = Date.now() + (o.deadlineMs ?? 90_000);
  const run = runId('logstore-kill');
  const labels = { job: 'chaos', fault: 'logstore-kill', run };
  const base = nowNs();
  const store = stack.url('logstore');
  const acked: number[] = [];
  let requestsFailed = 0;
  let sent = 0;
  let next = 0;
  let killedAt: number | undefined;
  let firstAckAfterKill: number | undefined;
  const statuses = new Map<number, number>();

  const client = async () => {
    while (next < total && Date.now() < deadline) {
      const numbers = Array.from({ length: Math.min(batch, total - next) }, (_, i) => next + i);
      next += numbers.length;
      sent += numbers.length;
      while (Date.now() < deadline) {
        const sentAt = Date.now();
        const r = await pushLines(store, labels, run, base, numbers);
        if (r.status === 204) {
          acked.push(...numbers);
          // Recovery counts from a request sent after the kill: one in flight may have been answered before it.
          if (killedAt !== undefined && sentAt > killedAt && firstAckAfterKill === undefined)
            firstAckAfterKill = Date.now();
          break;
        }
        requestsFailed++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        await sleep(100);
      }
    }
  };
  const killer = async () => {
    while (acked.length < total / 3 && Date.now() < deadline) await sleep(10);
    const pid = await stack.signal('logstore', 'SIGKILL');
    killedAt = Date.now();
    return pid;
  };
  const [, pid] = await Promise.all([Promise.all([client(), client(), client(), client()]), killer()]);
  await stack.waitReady('logstore', 60_000, pid);
  const found = await countLines(store, `{job="chaos", run="${run}"}`, run, base, total);
  const { present, lost, duplicated } = countPresence(acked, found);
  const recovery =
    killedAt !== undefined && firstAckAfterKill !== undefined ? (firstAckAfterKill - killedAt) / 1000 : null;
  return {
    fault: 'log store SIGKILL mid-ingest',
    sent,
    acknowledged: acked.length,
    present,
    lost,
    duplicated,
    requestsFailed,
    recoverySeconds: recovery,
    targets: [noLoss(lost, 'lines'), recoveredWithin(recovery, 30, 'pushes acknowledged again')],
    note: `Loki push API, ${batch} lines a push from 4 clients, killed after ${Math.ceil(total / 3)} acknowledged; failed pushes by status: ${describe(statuses)}; queried back by LogQL.`,
  };
}

function describe(statuses: Map<number, number>): string {
  return statuses.size
    ? [...statuses].map(([s, n]) => `${n}× ${s === 0 ? 'no answer' : `HTTP ${s}`}`).join(', ')
    : 'none';
}
