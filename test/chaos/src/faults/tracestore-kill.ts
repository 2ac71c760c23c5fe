/**
 * SIGKILL of the trace store mid-ingest. Spans go over OTLP/HTTP (JSON) from four clients, 100 spans a
 * request in traces of 20 spans; a request is retried until acknowledged (2xx) or the deadline. Once a
 * third are acknowledged the store's process is killed (the supervisor restarts it); afterwards every
 * acknowledged span is looked up through the Jaeger API (`GET /api/traces/<id>`).
 */
import { randomBytes } from 'node:crypto';
import { countPresence, type FaultRow, noLoss, recoveredWithin } from '../row.js';
import { type ChaosStack, runId, sleep } from '../stack.js';

export interface TracestoreKillOptions {
  /** Spans to send. @default 24000 */
  spans?: number;
  /** Spans per trace. @default 20 */
  spansPerTrace?: number;
  /** Traces per request. @default 5 */
  tracesPerRequest?: number;
  /** Bound of the whole fault, ms. @default 90000 */
  deadlineMs?: number;
}

interface Trace {
  traceId: string;
  spanIds: string[];
}

export async function tracestoreKill(stack: ChaosStack, o: TracestoreKillOptions = {}): Promise<FaultRow> {
  const perTrace = o.spansPerTrace ?? 20;
  const perRequest = o.tracesPerRequest ?? 5;
  const traceCount = Math.ceil((o.spans ?? 24_000) / perTrace);
  const deadline = Date.now() + (o.deadlineMs ?? 90_000);
  const run = runId('tracestore-kill');
  const traces: Trace[] = Array.from({ length: traceCount }, () => ({
    traceId: randomBytes(16).toString('hex'),
    spanIds: Array.from({ length: perTrace }, () => randomBytes(8).toString('hex')),
  }));
  const otlp = stack.url('tracestoreOtlpHttp');
  const ackedTraces: Trace[] = [];
  let sentSpans = 0;
  let requestsFailed = 0;
  let next = 0;
  let killedAt: number | undefined;
  let firstAckAfterKill: number | undefined;
  const ackedSpans = () => ackedTraces.length * perTrace;

  const client = async () => {
    while (next < traces.length && Date.now() < deadline) {
      const group = traces.slice(next, next + perRequest);
      next += group.length;
      sentSpans += group.length * perTrace;
      const body = JSON.stringify(otlpBody(run, group));
      while (Date.now() < deadline) {
        const sentAt = Date.now();
        let status = 0;
        try {
          const res = await fetch(`${otlp}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          status = res.status;
        } catch {
          status = 0;
        }
        if (status >= 200 && status < 300) {
          ackedTraces.push(...group);
          // Recovery counts from a request sent after the kill: one in flight may have been answered before it.
          if (killedAt !== undefined && sentAt > killedAt && firstAckAfterKill === undefined)
            firstAckAfterKill = Date.now();
          break;
        }
        requestsFailed++;
        await sleep(100);
      }
    }
  };
  const killer = async () => {
    while (ackedSpans() < (traces.length * perTrace) / 3 && Date.now() < deadline) await sleep(10);
    const pid = await stack.signal('tracestore', 'SIGKILL');
    killedAt = Date.now();
    return pid;
  };
  const [, pid] = await Promise.all([Promise.all([client(), client(), client(), client()]), killer()]);
  await stack.waitReady('tracestore', 60_000, pid);

  const found = new Map<string, number>();
  const query = stack.url('tracestoreQuery');
  let i = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (i < ackedTraces.length) {
        const t = ackedTraces[i++]!;
        const res = await fetch(`${query}/api/traces/${t.traceId}`, { signal: AbortSignal.timeout(30_000) });
        if (res.status === 404) {
          await res.arrayBuffer();
          continue;
        }
        if (!res.ok) throw new Error(`GET /api/traces/${t.traceId}: HTTP ${res.status}`);
        const body = (await res.json()) as { data: { spans: { spanID: string }[] }[] };
        for (const span of body.data.flatMap((d) => d.spans))
          found.set(span.spanID, (found.get(span.spanID) ?? 0) + 1);
      }
    }),
  );
  const { present, lost, duplicated } = countPresence(
    ackedTraces.flatMap((t) => t.spanIds),
    found,
  );
  const recovery =
    killedAt !== undefined && firstAckAfterKill !== undefined ? (firstAckAfterKill - killedAt) / 1000 : null;
  return {
    fault: 'trace store SIGKILL mid-ingest',
    sent: sentSpans,
    acknowledged: ackedSpans(),
    present,
    lost,
    duplicated,
    requestsFailed,
    recoverySeconds: recovery,
    targets: [noLoss(lost, 'spans'), recoveredWithin(recovery, 30, 'exports acknowledged again')],
    note: `OTLP/HTTP JSON, ${perRequest * perTrace} spans a request from 4 clients, killed after a third were acknowledged; looked up by trace id through the Jaeger API.`,
  };
}

function otlpBody(run: string, traces: readonly Trace[]) {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chaos' } }] },
        scopeSpans: [
          {
            scope: { name: 'opsight-chaos' },
            spans: traces.flatMap((t) =>
              t.spanIds.map((spanId, i) => ({
                traceId: t.traceId,
                spanId,
                ...(i > 0 ? { parentSpanId: t.spanIds[0] } : {}),
                name: 'chaos-span',
                kind: 1,
                startTimeUnixNano: String(startNs + BigInt(i) * 1000n),
                endTimeUnixNano: String(startNs + BigInt(i) * 1000n + 500_000n),
                attributes: [{ key: 'chaos.run', value: { stringValue: run } }],
              })),
            ),
          },
        ],
      },
    ],
  };
}
