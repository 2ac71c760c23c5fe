/**
 * A stream-limit flood, measured from outside. A fake pod's `app` container writes a numbered line every
 * 100 ms through the collector (each stamped when written). Once its stream is in the store, the suite
 * pushes one line in each of `streams` distinct label sets straight to the store, in the collector's tenant
 * (more than its per-tenant limit of 5,000 active streams): the stream table is full. Then a second
 * container of the fake pod, `newcomer`, writes a line a second: a new stream, refused with 429 while the
 * table is full, and held by the collector (it retries a refused stream for `--max-retry-period`, 10m).
 *
 * - The fault is the full table. It ends when the store accepts a new stream again: a push of a fresh
 *   label set in the same tenant (one a second) answers 204. The flood's streams go idle one idle period
 *   (`--stream-idle-period`: 30m, 60s under OPSIGHT_FAST=1, OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD) after
 *   their last entry. The row waits for that at most the idle period + 30 s, capped at `maxFaultSeconds`;
 *   a table still full then is a miss, and the note says so.
 * - During the fault, the existing stream must keep flowing (no head-of-line blocking): every 2 s the age
 *   of the newest `app` line found in the store (now minus when it was written); its worst must stay under
 *   the bound (30 s).
 * - Recovery: from the fault's end until the collector's `opsight_collector_lag_seconds` (its `/metrics`)
 *   is under the bound and every `newcomer` line written is in the store, for good; target: within the
 *   bound (30 s).
 * - Lost and duplicated count the lines of both streams: every line the fake pod wrote is acknowledged
 *   (it is on disk).
 *
 * `whileFull` keeps the table full until it resolves (the flood's label sets pushed again every few
 * seconds, and its surplus ones every 250 ms so a slot freed by another stream going idle is taken before
 * the newcomer's next retry): the whole-stack test waits there for LogShipperLag to fire.
 */
import { durationMs, logShippingSettings } from '@opsight/cli';
import { FakePod } from '../fake-pod.js';
import { RecoveryWatch, StalenessWatch, tableFreeDeadlineSeconds } from '../flood-watch.js';
import { gaugeValue, linesBetween, newestLine, nowNs } from '../logs.js';
import { countPresence, type FaultRow, noLoss, recoveredWithin, type Target } from '../row.js';
import { type ChaosStack, runId, sleep, until } from '../stack.js';
import { range } from './collector-rotation.js';

export interface StreamFloodOptions {
  /** Distinct label sets pushed. @default 6000 */
  streams?: number;
  /** Label sets per push. @default 500 */
  perPush?: number;
  /** Lag and staleness bound, and the time allowed to recover after the fault's end, s. @default 30 */
  boundSeconds?: number;
  /**
   * The store's stream idle period, s.
   * @default the stack's, from the environment (OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD, OPSIGHT_FAST)
   */
  idleSeconds?: number;
  /** Longest wait for the table to free after the flood's last push, s. @default 180 */
  maxFaultSeconds?: number;
  /** Keeps the table full until this resolves (after the newcomer's first line is written). @default none */
  whileFull?: () => Promise<void>;
}

export async function streamFlood(stack: ChaosStack, o: StreamFloodOptions = {}): Promise<FaultRow> {
  const streams = o.streams ?? 6000;
  const perPush = o.perPush ?? 500;
  const bound = o.boundSeconds ?? 30;
  const idleSeconds =
    o.idleSeconds ?? (durationMs(logShippingSettings(stack.env).streamIdlePeriod) ?? 1_800_000) / 1000;
  const deadlineSeconds = tableFreeDeadlineSeconds(idleSeconds, o.maxFaultSeconds ?? 180);
  const run = runId('flood');
  const pod = new FakePod(stack.paths.podLogs, run);
  const store = stack.url('logstore');
  const startNs = nowNs() - 1_000_000_000n;
  const writtenAt: number[] = []; // ms, per app line
  const newcomerAt: number[] = [];
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const n = writtenAt.length;
      writtenAt.push(Date.now());
      pod.writeStamped('app', run, n, nowNs());
      await sleep(100);
    }
  })();
  let newcomerWriting = false;
  let newcomer: Promise<void> = Promise.resolve();
  const staleness = new StalenessWatch();
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  try {
    await until("the fake pod's stream in the store", 30_000, async () => {
      return (await newestLine(store, pod.selector('app'), run, startNs)) !== undefined;
    });
    // The existing stream's staleness, sampled from before the flood to the end of the row.
    sampler = (async () => {
      while (sampling) {
        try {
          const newest = await newestLine(store, pod.selector('app'), run, startNs);
          staleness.record(Date.now(), newest === undefined ? undefined : writtenAt[newest], writtenAt[0]!);
        } catch {
          // A failed query is not a sample; the next one is.
        }
        await sleep(2000);
      }
    })();

    let lastFloodPush = Date.now();
    const floodLabels = (i: number) => ({ job: 'chaos-flood', run, flood_stream: String(i) });
    const flood = async (first: number, last: number, tally: boolean) => {
      for (let from = first; from < last; from += perPush) {
        const labels = range(from, Math.min(last, from + perPush)).map(floodLabels);
        const status = await push(store, labels, `flood ${run}`);
        if (tally) count(status);
      }
      lastFloodPush = Date.now();
    };
    await flood(0, streams, true);
    const filled = (statuses.get(429) ?? 0) > 0;
    // The fault starts: a new stream through the collector, refused while the table stays full.
    const faultStart = Date.now();
    newcomerWriting = true;
    newcomer = (async () => {
      while (newcomerWriting) {
        const k = newcomerAt.length;
        newcomerAt.push(Date.now());
        pod.writeStamped('newcomer', run, k, nowNs());
        await sleep(1000);
      }
    })();

    if (o.whileFull) {
      let holding = true;
      const refreshEvery = Math.min(10_000, (idleSeconds * 1000) / 4);
      const keeper = (async () => {
        let refreshed = Date.now();
        while (holding) {
          if (Date.now() - refreshed >= refreshEvery) {
            await flood(0, streams, false);
            refreshed = Date.now();
          } else {
            await flood(Math.max(0, streams - 100), streams, false);
            await sleep(250);
          }
        }
      })();
      try {
        await o.whileFull();
      } finally {
        holding = false;
        await keeper;
      }
    }

    // The fault ends when a fresh label set is accepted again.
    let faultEnd: number | undefined;
    for (let probe = 0; faultEnd === undefined; probe++) {
      const status = await push(store, [{ job: 'chaos-flood', run, probe: String(probe) }], `probe ${run}`);
      if (status === 204) faultEnd = Date.now();
      else if (Date.now() - lastFloodPush > deadlineSeconds * 1000) break;
      else await sleep(1000);
    }
    newcomerWriting = false;
    await newcomer;

    // Recovery: lag under the bound and every newcomer line stored, for good.
    let maxLag = 0;
    const recovery = faultEnd === undefined ? undefined : new RecoveryWatch(faultEnd);
    if (faultEnd !== undefined && recovery) {
      const newcomers = range(0, newcomerAt.length);
      for (;;) {
        const since = Date.now() - faultEnd;
        if (since > bound * 1000 && (recovery.ok || since > 2 * bound * 1000)) break;
        const lag = await collectorLag(stack);
        if (lag !== undefined) maxLag = Math.max(maxLag, lag);
        let arrived = false;
        try {
          const found = await linesBetween(store, pod.selector('newcomer'), run, startNs, nowNs());
          arrived = newcomers.every((k) => (found.get(k) ?? 0) > 0);
        } catch {
          arrived = false;
        }
        recovery.record(Date.now(), lag !== undefined && lag < bound && arrived);
        await sleep(1000);
      }
    }
    const recoverySeconds = recovery?.recoverySeconds ?? null;

    writing = false;
    await writer;
    sampling = false;
    await sampler;
    // The last lines written get one collector cycle to arrive.
    await sleep(3000);
    const end = nowNs() + 60_000_000_000n;
    const app = await linesBetween(store, pod.selector('app'), run, startNs, end);
    const late = await linesBetween(store, pod.selector('newcomer'), run, startNs, end);
    const found = new Map<string, number>();
    for (const [n, c] of app) found.set(`app ${n}`, c);
    for (const [k, c] of late) found.set(`newcomer ${k}`, c);
    const acknowledged = [
      ...range(0, writtenAt.length).map((n) => `app ${n}`),
      ...range(0, newcomerAt.length).map((k) => `newcomer ${k}`),
    ];
    const { present, lost, duplicated } = countPresence(acknowledged, found);
    const lostNewcomers = range(0, newcomerAt.length).filter((k) => !late.has(k)).length;

    const targets: Target[] = [
      {
        name: 'the flood filled the stream table',
        met: filled,
        detail: filled ? 'new streams refused with 429' : 'no push was refused: the table never filled',
      },
      {
        name: `existing stream kept flowing: its newest line under ${bound} s old throughout the fault`,
        met: staleness.sampleCount > 0 && staleness.worstSeconds < bound,
        detail: `worst ${staleness.worstSeconds.toFixed(1)} s over ${staleness.sampleCount} samples`,
      },
      noLoss(lost, 'lines'),
      recoveredWithin(
        recoverySeconds,
        bound,
        `collector lag under ${bound} s and the newcomer's lines stored`,
      ),
    ];
    const faultSeconds = ((faultEnd ?? Date.now()) - faultStart) / 1000;
    const pushes = [...statuses].map(([s, n]) => `${n}× ${s || 'no answer'}`).join(', ');
    const freed =
      faultEnd === undefined
        ? `the stream table was still full ${deadlineSeconds} s after the flood's last push (idle period ${idleSeconds} s; start the stack with OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD=60s to run this row in bounded time), so ${lostNewcomers} newcomer lines were still held by the collector`
        : `the table was full for ${faultSeconds.toFixed(1)} s (idle period ${idleSeconds} s)`;
    return {
      fault: 'stream-limit flood',
      sent: acknowledged.length,
      acknowledged: acknowledged.length,
      present,
      lost,
      duplicated,
      requestsFailed: 0,
      recoverySeconds,
      targets,
      note: `${streams} distinct label sets pushed in ${Math.ceil(streams / perPush)} pushes (${pushes}) while a fake pod's stream went through the collector; then a second container started a new stream. ${freed}; the existing stream's newest line was at worst ${staleness.worstSeconds.toFixed(1)} s old; collector lag peaked at ${maxLag.toFixed(1)} s after the fault's end; counts are the lines of both streams (${writtenAt.length} existing, ${newcomerAt.length} newcomer).`,
    };
  } finally {
    writing = false;
    newcomerWriting = false;
    sampling = false;
    await Promise.all([writer, newcomer, sampler]);
    pod.remove();
  }
}

/** Pushes one line in each label set (the collector's tenant: none); the status, 0 when no answer. */
async function push(store: string, labelSets: Record<string, string>[], line: string): Promise<number> {
  const ts = String(nowNs());
  try {
    const res = await fetch(`${store}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: labelSets.map((stream) => ({ stream, values: [[ts, line]] })) }),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
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
