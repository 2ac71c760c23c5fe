/**
 * A stream-limit flood. A fake pod's `app` container writes a numbered line every 100 ms through the
 * collector; once its stream is in the store, the suite pushes one line in each of `streams` distinct
 * label sets straight to the store (more than its per-tenant stream limit, 5,000 by default); then a
 * second container of the fake pod starts a new stream through the collector (refused while the table is
 * full). Recovery: the flood's end until the collector's `opsight_collector_lag_seconds` is under 30 s
 * and the `app` line written 3 s before is in the store, for good;
 * afterwards every line of the `app` stream written up to 30 s after the flood must be in the store.
 *
 * On a store whose stream limit counts every stream ever seen, the flood leaves the table full: no new
 * stream is accepted until the flood's streams go idle (see the log store's README). The suite runs it last.
 */
import { FakePod } from '../fake-pod.js';
import { countLines, gaugeValue, nowNs } from '../logs.js';
import { countPresence, type FaultRow, noLoss, recoveredWithin } from '../row.js';
import { type ChaosStack, runId, sleep, until } from '../stack.js';
import { range } from './collector-rotation.js';

export interface StreamFloodOptions {
  /** Distinct label sets pushed. @default 6000 */
  streams?: number;
  /** Label sets per push. @default 500 */
  perPush?: number;
  /** Lag bound and the time allowed to get under it after the flood, s. @default 30 */
  boundSeconds?: number;
}

export async function streamFlood(stack: ChaosStack, o: StreamFloodOptions = {}): Promise<FaultRow> {
  const streams = o.streams ?? 6000;
  const perPush = o.perPush ?? 500;
  const bound = o.boundSeconds ?? 30;
  const run = runId('flood');
  const pod = new FakePod(stack.paths.podLogs, run);
  const base = nowNs();
  const store = stack.url('logstore');
  let written = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      pod.write('app', run, base, [written++]);
      await sleep(100);
    }
  })();
  try {
    await until("the fake pod's stream in the store", 30_000, async () => {
      const found = await countLines(store, pod.selector('app'), run, base, written);
      return found.size > 0;
    });
    const statuses = new Map<number, number>();
    for (let first = 0; first < streams; first += perPush) {
      const body = {
        streams: range(first, Math.min(streams, first + perPush)).map((i) => ({
          stream: { job: 'chaos-flood', run, flood_stream: String(i) },
          values: [[String(nowNs()), `flood ${i}`]],
        })),
      };
      let status = 0;
      try {
        const res = await fetch(`${store}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    // Once the table is full: a new stream through the collector, refused while it stays full.
    pod.write('newcomer', run, base, [1_000_000]);
    const floodEnd = Date.now();
    // Shipping is back at a sample where the collector's lag is under the bound and the line written 3 s
    // before is in the store (a stuck collector's lag can sit under the bound for a while; its lines do
    // not arrive). Recovered: from the first sample of the final run of such samples.
    let recovery: number | null = null;
    let maxLag = 0;
    while (Date.now() - floodEnd <= bound * 1000) {
      const lag = await collectorLag(stack);
      if (lag !== undefined) maxLag = Math.max(maxLag, lag);
      const probe = written - 31; // written every 100 ms: ~3 s ago
      const fresh =
        probe < 0 || ((await countLines(store, pod.selector('app'), run, base, written)).get(probe) ?? 0) > 0;
      if (lag === undefined || lag >= bound || !fresh) recovery = null;
      else recovery ??= (Date.now() - floodEnd) / 1000;
      await sleep(1000);
    }
    writing = false;
    await writer;
    // The lines written until now had the whole bound to arrive; give the last ones one collector cycle.
    const acknowledged = written;
    await sleep(3000);
    const found = await countLines(store, pod.selector('app'), run, base, acknowledged);
    const { present, lost, duplicated } = countPresence(range(0, acknowledged), found);
    return {
      fault: 'stream-limit flood',
      sent: acknowledged,
      acknowledged,
      present,
      lost,
      duplicated,
      requestsFailed: 0,
      recoverySeconds: recovery,
      targets: [noLoss(lost, 'lines'), recoveredWithin(recovery, bound, `collector lag under ${bound} s`)],
      note: `${streams} distinct label sets pushed in ${Math.ceil(streams / perPush)} pushes (statuses: ${[...statuses].map(([s, n]) => `${n}× ${s || 'no answer'}`).join(', ')}) while a fake pod's stream went through the collector, then a second container started a new stream; collector lag peaked at ${maxLag.toFixed(1)} s after the flood; counts are the existing stream's lines.`,
    };
  } finally {
    writing = false;
    await writer;
    pod.remove();
  }
}

async function collectorLag(stack: ChaosStack): Promise<number | undefined> {
  try {
    const res = await fetch(`${stack.url('collector')}/metrics`, { signal: AbortSignal.timeout(5000) });
    return gaugeValue(await res.text(), 'opsight_collector_lag_seconds');
  } catch {
    return undefined;
  }
}
