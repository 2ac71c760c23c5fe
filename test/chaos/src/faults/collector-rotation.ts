/**
 * The collector down across a rotation. A fake pod's container log (CRI format, under the stack's pods
 * directory) gets numbered lines; the collector is killed (SIGKILL) and held stopped through the
 * supervisor while more lines are written, the file is rotated as the kubelet does (`0.log` renamed to
 * `0.log.<timestamp>`, a new `0.log`), and more lines follow; then the collector is started again. A line
 * counts as acknowledged once written to the file. Afterwards the lines are counted in the log store.
 * Recovery: the collector's start until the store holds its final count of the pod's lines.
 */
import { FakePod } from '../fake-pod.js';
import { countLines, nowNs } from '../logs.js';
import { countPresence, type FaultRow, noLoss, recoveredWithin } from '../row.js';
import { type ChaosStack, runId, sleep, until } from '../stack.js';

export interface CollectorRotationOptions {
  /** Numbered lines in all (a third before the kill, a third before and a third after the rotation). @default 30000 */
  lines?: number;
  /** How long to wait for the lines to arrive after the restart, ms. @default 60000 */
  settleMs?: number;
}

export async function collectorRotation(
  stack: ChaosStack,
  o: CollectorRotationOptions = {},
): Promise<FaultRow> {
  const total = o.lines ?? 30_000;
  const run = runId('rotation');
  const pod = new FakePod(stack.paths.podLogs, run);
  const base = nowNs();
  const store = stack.url('logstore');
  const selector = pod.selector('app');
  const count = async () =>
    countPresence(range(0, total), await countLines(store, selector, run, base, total));
  const third = Math.floor(total / 3);
  try {
    // Before: written in slices while the collector ships; the kill lands with some of it unshipped.
    for (let n = 0; n < third; n += 1000) {
      pod.write('app', run, base, range(n, Math.min(third, n + 1000)));
      await sleep(50);
    }
    await until('the collector shipping the fake pod', 30_000, async () => (await count()).present > 0);
    const pid = await stack.signal('collector', 'SIGKILL');
    await stack.stop('collector');
    // While down: more lines, the rotation, more lines in the new file.
    pod.write('app', run, base, range(third, 2 * third));
    pod.rotate('app');
    pod.write('app', run, base, range(2 * third, total));
    const startedAt = Date.now();
    await stack.start('collector');
    await stack.waitReady('collector', 60_000, pid);
    let last = -1;
    let settledAt = Date.now();
    const deadline = Date.now() + (o.settleMs ?? 60_000);
    while (Date.now() < deadline) {
      const c = await count();
      if (c.present !== last) {
        last = c.present;
        settledAt = Date.now();
      }
      if (c.present === total || Date.now() - settledAt > 10_000) break;
      await sleep(1000);
    }
    const { present, lost, duplicated } = await count();
    const recovery = present > 0 ? (settledAt - startedAt) / 1000 : null;
    return {
      fault: 'collector down across a rotation',
      sent: total,
      acknowledged: total,
      present,
      lost,
      duplicated,
      requestsFailed: 0,
      recoverySeconds: recovery,
      targets: [noLoss(lost, 'lines'), recoveredWithin(recovery, 30, 'the store caught up')],
      note: `CRI lines in a fake pod (${pod.pod}); collector SIGKILLed after ${third} lines and kept stopped while ${total - third} more were written across a kubelet rotation (0.log -> 0.log.<timestamp>); recovery is the restart until the count stopped changing.`,
    };
  } finally {
    pod.remove();
    const c = await stack.component('collector');
    if (c.state === 'Stopped') await stack.start('collector');
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
