/**
 * The fault suite: every fault in order, each bounded in time, each leaving the stack as it found it
 * (every component restarted and ready) before the next. The stream-limit flood runs last: it lasts one
 * idle period of the store (bounded; see its file) and leaves 6,000 idle streams stored.
 */
import { alertmanagerRestart } from './faults/alertmanager-restart.js';
import { collectorRotation } from './faults/collector-rotation.js';
import { dependencyDown } from './faults/dependency-down.js';
import { diskFull } from './faults/disk-full.js';
import { logstoreKill } from './faults/logstore-kill.js';
import { modelFrozen } from './faults/model-frozen.js';
import { relayRestart } from './faults/relay-restart.js';
import { streamFlood } from './faults/stream-flood.js';
import { tracestoreKill } from './faults/tracestore-kill.js';
import type { FaultRow } from './row.js';
import type { ChaosStack } from './stack.js';

/** One fault of the suite: `scale` multiplies its volumes (1 = the figures). */
export interface Fault {
  name: string;
  run(stack: ChaosStack, scale: number): Promise<FaultRow>;
}

const n = (value: number, scale: number) => Math.max(1, Math.round(value * scale));

export const FAULTS: readonly Fault[] = [
  { name: 'logstore-kill', run: (s, k) => logstoreKill(s, { lines: n(24_000, k) }) },
  { name: 'tracestore-kill', run: (s, k) => tracestoreKill(s, { spans: n(24_000, k) }) },
  { name: 'collector-rotation', run: (s, k) => collectorRotation(s, { lines: n(30_000, k) }) },
  { name: 'relay-restart', run: (s, k) => relayRestart(s, { notifications: n(20, k) }) },
  { name: 'alertmanager-restart', run: (s) => alertmanagerRestart(s) },
  { name: 'redis-down', run: (s) => dependencyDown(s, 'redis') },
  { name: 'postgres-down', run: (s) => dependencyDown(s, 'postgres-primary') },
  { name: 'model-frozen', run: (s) => modelFrozen(s) },
  { name: 'disk-full', run: () => diskFull() },
  { name: 'stream-flood', run: (s) => streamFlood(s) },
];

/**
 * Runs the faults named in `only` (every fault when empty), in suite order; a fault that throws becomes a
 * row that missed its target, with the error as its note. After each fault, waits until every component is
 * ready again.
 */
export async function runSuite(
  stack: ChaosStack,
  { only = [] as string[], scale = 1, onRow = (_row: FaultRow) => {} } = {},
): Promise<FaultRow[]> {
  const unknown = only.filter((o) => !FAULTS.some((f) => f.name === o));
  if (unknown.length)
    throw new Error(
      `unknown fault(s): ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.name).join(', ')}`,
    );
  const rows: FaultRow[] = [];
  for (const fault of FAULTS.filter((f) => only.length === 0 || only.includes(f.name))) {
    let row: FaultRow;
    try {
      row = await fault.run(stack, scale);
    } catch (err) {
      row = {
        fault: fault.name,
        sent: 0,
        acknowledged: 0,
        present: null,
        lost: null,
        duplicated: null,
        requestsFailed: 0,
        recoverySeconds: null,
        targets: [{ name: 'the fault ran to its end', met: false, detail: (err as Error).message }],
        note: `the fault did not complete: ${(err as Error).message}`,
      };
    }
    await stack.waitAllReady(180_000);
    rows.push(row);
    onRow(row);
  }
  return rows;
}
