// Recording rules' samples to Prometheus by remote write 1.0: a `prometheus.WriteRequest` protobuf
//
//   WriteRequest { repeated TimeSeries timeseries = 1; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//   Label        { string name = 1; string value = 2; }
//   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
//
// compressed with Snappy's block format, POSTed with `Content-Encoding: snappy`, `Content-Type:
// application/x-protobuf` and `X-Prometheus-Remote-Write-Version: 0.1.0`. Labels are sorted by name, as the
// receiver wants. Samples wait in a bounded queue (a full queue drops the oldest, counted); a batch that fails
// with a 5xx, a 429 or a network error is retried with backoff while newer samples wait behind it; a 4xx is
// dropped (the receiver will never take it, e.g. out-of-order samples).
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { OutputSample } from '../../ruler/group-evaluator.js';
import type { StoreMetrics } from '../store-metrics.js';

/** Encodes samples as a remote-write 1.0 WriteRequest (uncompressed protobuf). */
export function encodeWriteRequest(samples: readonly OutputSample[]): Uint8Array {
  // One series per label set, its samples in time order.
  const series = new Map<string, { labels: [string, string][]; samples: OutputSample[] }>();
  for (const s of samples) {
    const labels = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify(labels);
    const held = series.get(key) ?? { labels, samples: [] };
    held.samples.push(s);
    series.set(key, held);
  }
  const w = protobuf.Writer.create();
  for (const ts of series.values()) {
    w.uint32((1 << 3) | 2).fork();
    for (const [name, value] of ts.labels) {
      w.uint32((1 << 3) | 2).fork();
      w.uint32((1 << 3) | 2).string(name);
      w.uint32((2 << 3) | 2).string(value);
      w.ldelim();
    }
    for (const s of ts.samples.sort((a, b) => a.timeMs - b.timeMs)) {
      w.uint32((2 << 3) | 2).fork();
      w.uint32((1 << 3) | 1).double(s.value);
      w.uint32((2 << 3) | 0).int64(Math.trunc(s.timeMs));
      w.ldelim();
    }
    w.ldelim();
  }
  return w.finish();
}

/** Options of {@link RemoteWriter}. */
export interface RemoteWriterOptions {
  /** The receiver, e.g. `http://127.0.0.1:9090/api/v1/write`. */
  readonly url: string;
  /** Most samples waiting; beyond it the oldest are dropped. @default 100000 */
  readonly queueCapacity?: number;
  /** Most samples per request. Prometheus's default. @default 2000 */
  readonly maxBatch?: number;
  /** How long one request may take, ms. @default 10000 */
  readonly timeoutMs?: number;
  /** First wait before a retry, ms; doubled each time up to 5 s. @default 100 */
  readonly minBackoffMs?: number;
  readonly metrics: StoreMetrics;
}

/** Sends samples to one remote-write receiver, in the background. */
export class RemoteWriter {
  private queue: { tenant: string; sample: OutputSample; seq: number }[] = [];
  private seq = 0;
  private draining: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RemoteWriterOptions) {}

  /** Queues samples of a tenant and returns at once. */
  write(tenant: string, samples: readonly OutputSample[]): void {
    if (samples.length === 0 || this.closed) return;
    for (const sample of samples) this.queue.push({ tenant, sample, seq: this.seq++ });
    const over = this.queue.length - (this.options.queueCapacity ?? 100_000);
    if (over > 0) {
      this.queue.splice(0, over);
      this.options.metrics.remoteWriteSamples.inc({ outcome: 'dropped' }, over);
    }
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once the queue is empty (or the writer is closed). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops sending; what is queued is dropped. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.wake?.();
  }

  private async drain(): Promise<void> {
    const { metrics } = this.options;
    let backoff = this.options.minBackoffMs ?? 100;
    while (this.queue.length > 0 && !this.closed) {
      const tenant = this.queue[0]!.tenant;
      const max = this.options.maxBatch ?? 2000;
      let n = 0;
      while (n < this.queue.length && n < max && this.queue[n]!.tenant === tenant) n++;
      const batch = this.queue.slice(0, n).map((q) => q.sample);
      const last = this.queue[n - 1]!.seq;
      const outcome = await this.post(tenant, batch);
      if (outcome === 'retry') {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          t.unref();
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      backoff = this.options.minBackoffMs ?? 100;
      // Whatever of the batch a full queue has not dropped meanwhile is still at the head.
      let done = 0;
      while (done < this.queue.length && this.queue[done]!.seq <= last) done++;
      this.queue.splice(0, done);
      metrics.remoteWriteSamples.inc({ outcome: outcome === 'sent' ? 'sent' : 'failed' }, batch.length);
    }
  }

  private async post(tenant: string, batch: OutputSample[]): Promise<'sent' | 'failed' | 'retry'> {
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'user-agent': 'opsight-logstore-ruler',
          'x-scope-orgid': tenant,
        },
        body: Buffer.from(snappy.compress(encodeWriteRequest(batch))),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'sent';
      return res.status >= 500 || res.status === 429 ? 'retry' : 'failed';
    } catch {
      return this.closed ? 'failed' : 'retry';
    }
  }
}
