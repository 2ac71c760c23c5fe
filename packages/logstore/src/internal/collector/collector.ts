// The local collector: Alloy's job on one machine. Tails the CRI log files under
// <pods-dir>/<namespace>_<pod>_<uid>/<container>/<N>.log, joins partial lines, applies the
// production pipeline (entry-pipeline.ts), labels entries {namespace, app, container, pod, level},
// and pushes batches to the store (snappy protobuf, as Alloy does) with retry and back-off.
//
// At-least-once: a file's position is saved only up to entries the store has acknowledged, so a
// restart of the collector or the store re-sends at most the unacknowledged tail; the store keeps
// an exact duplicate (same stream, timestamp and line) once, so re-sent lines do not double.
import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { formatLabels, type Labels } from '../labels.js';
import { encodePushProtobuf } from '../push/decode-push.js';
import { PartialJoiner, parseCriLine } from './cri.js';
import { processLine } from './entry-pipeline.js';
import { Positions } from './positions.js';

export interface CollectorOptions {
  /** The kubelet-style pods directory, e.g. var/log/pods. */
  podsDir: string;
  /** Positions file (JSON). */
  positionsFile: string;
  /** Base URL of the store, e.g. http://127.0.0.1:3100 */
  url: string;
  /** X-Scope-OrgID to send; none by default (single-tenant store). */
  tenant?: string;
  /** Bearer token for the store. */
  bearerToken?: string;
  /** How often files are discovered and read, ms. @default 250 */
  pollIntervalMs?: number;
  /** Most entries per push. @default 1000 */
  batchMaxEntries?: number;
  /** Most line bytes per push. @default 1048576 */
  batchMaxBytes?: number;
  /** First retry delay, doubled per failure, ms. @default 250 */
  minBackoffMs?: number;
  /** Longest retry delay, ms. @default 10000 */
  maxBackoffMs?: number;
  /** Entries held in memory before reading pauses (back-pressure, nothing is dropped). @default 20000 */
  maxQueuedEntries?: number;
  /** Registry for the collector's metrics. */
  registry: Registry;
}

interface FileState {
  path: string;
  labelsBase: Labels;
  fh: FileHandle;
  inode: number;
  /** Offset of the next byte to read. */
  readOffset: number;
  /** Offset up to which everything is acknowledged (or produced no entry). */
  committed: number;
  /** End offsets of this file's entries waiting to be acknowledged, in order. */
  inflight: number[];
  carry: Buffer;
  carryStart: number;
  joiner: PartialJoiner;
  /** Offset after the last complete (F) line read; what commit may reach once in-flight entries drain. */
  settled: number;
  /** Replaced by rotation: drain to EOF, then close. */
  retired?: boolean;
}

interface Queued {
  labels: Labels;
  key: string;
  ts: bigint;
  line: string;
  metadata?: Labels;
  file: FileState;
  end: number;
}

const POD_DIR = /^([^_]+)_([^_]+)_([^_]+)$/;
const READ_CHUNK = 256 * 1024;

export class Collector {
  private readonly files = new Map<string, FileState>();
  private readonly retired: FileState[] = [];
  private readonly queue: Queued[] = [];
  /** `app` label by pod directory. */
  private readonly apps = new Map<string, string | undefined>();
  private readonly readBuffer = Buffer.allocUnsafe(READ_CHUNK);
  private polling: Promise<void> | undefined;
  private readonly positions: Positions;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  ready = false;
  private readonly m: {
    read: Counter;
    sent: Counter;
    dropped: Counter;
    retries: Counter;
    lagBytes: Gauge;
    lagSeconds: Gauge;
    files: Gauge;
  };

  constructor(private readonly o: CollectorOptions) {
    this.positions = new Positions(o.positionsFile);
    const registers = [o.registry];
    this.m = {
      read: new Counter({
        name: 'opsight_collector_lines_read_total',
        help: 'Log entries read from files (after joining partial lines).',
        registers,
      }),
      sent: new Counter({
        name: 'opsight_collector_entries_sent_total',
        help: 'Entries acknowledged by the store.',
        registers,
      }),
      dropped: new Counter({
        name: 'opsight_collector_entries_dropped_total',
        help: 'Entries the store rejected for good (4xx other than 429), by reason.',
        labelNames: ['reason'],
        registers,
      }),
      retries: new Counter({
        name: 'opsight_collector_send_retries_total',
        help: 'Pushes retried after a failure.',
        registers,
      }),
      lagBytes: new Gauge({
        name: 'opsight_collector_lag_bytes',
        help: 'Bytes written to log files and not yet acknowledged by the store.',
        registers,
      }),
      lagSeconds: new Gauge({
        name: 'opsight_collector_lag_seconds',
        help: 'Age of the oldest entry read and not yet acknowledged by the store.',
        registers,
      }),
      files: new Gauge({ name: 'opsight_collector_files', help: 'Log files being tailed.', registers }),
    };
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        this.polling = this.poll();
        await this.polling;
        this.ready = true;
      } catch (e) {
        process.stderr.write(`collector: poll failed: ${(e as Error).message}\n`);
      }
      if (!this.stopped) this.pollTimer = setTimeout(tick, this.o.pollIntervalMs ?? 250);
    };
    void tick();
    this.sending = this.sendLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.wake?.();
    // A poll in flight finishes before the files it reads are closed.
    await this.polling?.catch(() => undefined);
    await this.sending;
    this.positions.save();
    for (const f of [...this.files.values(), ...this.retired]) await f.fh.close().catch(() => undefined);
  }

  /** Discovers files and reads what is new. */
  async poll(): Promise<void> {
    const seen = new Set<string>();
    let podDirs: string[] = [];
    try {
      podDirs = await readdir(this.o.podsDir);
    } catch {
      podDirs = [];
    }
    // Forget the labels of pod directories that are gone (pruned runs).
    const present = new Set(podDirs);
    for (const pd of this.apps.keys()) if (!present.has(pd)) this.apps.delete(pd);
    for (const pd of podDirs) {
      const m = POD_DIR.exec(pd);
      if (!m) continue;
      const podPath = join(this.o.podsDir, pd);
      const app = await this.appOf(pd, podPath);
      let containers: string[];
      try {
        containers = (await readdir(podPath, { withFileTypes: true }))
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
      } catch {
        continue;
      }
      for (const c of containers) {
        let names: string[];
        try {
          names = (await readdir(join(podPath, c))).filter((n) => /^\d+\.log$/.test(n));
        } catch {
          continue;
        }
        for (const n of names) {
          const path = join(podPath, c, n);
          seen.add(path);
          const base: Labels = {
            namespace: m[1]!,
            pod: m[2]!,
            container: c,
            app: app ?? c,
          };
          await this.track(path, base);
        }
      }
    }
    for (const [path, f] of this.files) {
      if (!seen.has(path)) {
        f.retired = true;
        this.retired.push(f);
        this.files.delete(path);
      }
    }
    for (const f of [...this.files.values(), ...this.retired]) await this.read(f);
    // Retired files: once fully read and acknowledged, close and forget them.
    for (let i = this.retired.length - 1; i >= 0; i--) {
      const f = this.retired[i]!;
      if (f.inflight.length === 0 && f.carry.length === 0) {
        await f.fh.close().catch(() => undefined);
        this.retired.splice(i, 1);
        if (!this.files.has(f.path)) this.positions.delete(f.path);
      }
    }
    let lag = 0;
    for (const f of this.files.values()) {
      const size = (await f.fh.stat().catch(() => ({ size: f.committed }))).size;
      lag += Math.max(0, size - f.committed);
    }
    this.m.lagBytes.set(lag);
    this.m.files.set(this.files.size);
    const oldest = this.queue[0];
    this.m.lagSeconds.set(
      oldest ? Math.max(0, Date.now() / 1000 - Number(oldest.ts / 1_000_000n) / 1000) : 0,
    );
    this.positions.save();
  }

  /**
   * The pod's `app` label from its labels.json, read once per pod directory (its name carries the pod's
   * uid, so its labels never change); undefined when the file has none.
   */
  private async appOf(podDir: string, podPath: string): Promise<string | undefined> {
    if (this.apps.has(podDir)) return this.apps.get(podDir);
    let meta: { app?: unknown };
    try {
      meta = JSON.parse(await readFile(join(podPath, 'labels.json'), 'utf8')) as { app?: unknown };
    } catch {
      // Not written yet, or not readable: ask again at the next poll.
      return undefined;
    }
    const app = typeof meta.app === 'string' && meta.app ? meta.app : undefined;
    this.apps.set(podDir, app);
    return app;
  }

  private async track(path: string, base: Labels): Promise<void> {
    const st = await stat(path).catch(() => undefined);
    if (!st) return;
    const cur = this.files.get(path);
    if (cur) {
      cur.labelsBase = base;
      if (cur.inode === st.ino) {
        if (st.size < cur.readOffset && cur.inflight.length === 0) {
          // Truncated in place: start over.
          Object.assign(cur, {
            readOffset: 0,
            committed: 0,
            settled: 0,
            carry: Buffer.alloc(0),
            carryStart: 0,
            joiner: new PartialJoiner(),
          });
        }
        return;
      }
      // Rotated: drain the old file through its open handle, then follow the new one from 0.
      cur.retired = true;
      this.retired.push(cur);
      this.files.delete(path);
    }
    const fh = await open(path, 'r').catch(() => undefined);
    if (!fh) return;
    const saved = this.positions.get(path);
    const offset = !cur && saved && saved.inode === st.ino && saved.offset <= st.size ? saved.offset : 0;
    const f: FileState = {
      path,
      labelsBase: base,
      fh,
      inode: st.ino,
      readOffset: offset,
      committed: offset,
      inflight: [],
      carry: Buffer.alloc(0),
      carryStart: offset,
      joiner: new PartialJoiner(),
      settled: offset,
    };
    this.files.set(path, f);
    this.positions.set(path, { offset, inode: st.ino });
  }

  private async read(f: FileState): Promise<void> {
    const max = this.o.maxQueuedEntries ?? 20000;
    while (this.queue.length < max) {
      // One buffer for every read: what outlives the read (carry, lines) is copied out of it.
      const buf = this.readBuffer;
      const { bytesRead } = await f.fh.read(buf, 0, READ_CHUNK, f.readOffset);
      if (bytesRead === 0) return;
      f.readOffset += bytesRead;
      const data =
        f.carry.length > 0
          ? Buffer.concat([f.carry, buf.subarray(0, bytesRead)])
          : buf.subarray(0, bytesRead);
      let start = 0;
      let lineStart = f.carryStart;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        const raw = data.toString('utf8', start, nl);
        const end = lineStart + (nl - start) + 1;
        this.line(f, raw, end);
        start = nl + 1;
        lineStart = end;
      }
      f.carry = Buffer.from(data.subarray(start));
      f.carryStart = lineStart;
      if (bytesRead < READ_CHUNK) return;
    }
  }

  private line(f: FileState, raw: string, end: number): void {
    const cri = parseCriLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (!cri) {
      this.m.dropped.inc({ reason: 'unparsable_cri_line' });
      this.settle(f, end);
      return;
    }
    const joined = f.joiner.push(cri);
    if (!joined) return;
    this.m.read.inc();
    const e = processLine(joined.ts, joined.line);
    const labels: Labels = { ...f.labelsBase };
    if (e.level) labels.level = e.level;
    const q: Queued = { labels, key: formatLabels(labels), ts: e.ts, line: e.line, file: f, end };
    if (e.metadata) q.metadata = e.metadata;
    this.queue.push(q);
    f.inflight.push(end);
    f.settled = end;
    this.wake?.();
  }

  /** A line that produced no entry: commit past it when nothing before it is in flight. */
  private settle(f: FileState, end: number): void {
    f.settled = end;
    if (f.inflight.length === 0 && !f.joiner.hasPending()) this.commit(f, end);
  }

  private commit(f: FileState, offset: number): void {
    if (offset <= f.committed) return;
    f.committed = offset;
    if (!f.retired) this.positions.set(f.path, { offset, inode: f.inode });
  }

  private async sendLoop(): Promise<void> {
    let backoff = this.o.minBackoffMs ?? 250;
    while (!this.stopped || this.queue.length > 0) {
      if (this.queue.length === 0) {
        if (this.stopped) return;
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 200);
        });
        this.wake = undefined;
        continue;
      }
      const batch = this.takeBatch();
      const outcome = await this.push(batch);
      if (outcome === 'retry') {
        this.m.retries.inc();
        if (this.stopped) return; // unacknowledged: re-read after restart
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, this.o.maxBackoffMs ?? 10_000);
        continue;
      }
      backoff = this.o.minBackoffMs ?? 250;
      this.queue.splice(0, batch.length);
      for (const q of batch) {
        const f = q.file;
        f.inflight.shift();
        this.commit(f, q.end);
        if (f.inflight.length === 0 && !f.joiner.hasPending()) this.commit(f, f.settled);
      }
      this.positions.save();
    }
  }

  private takeBatch(): Queued[] {
    const maxN = this.o.batchMaxEntries ?? 1000;
    const maxB = this.o.batchMaxBytes ?? 1024 * 1024;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < maxN) {
      bytes += this.queue[n]!.line.length;
      n++;
      if (bytes >= maxB) break;
    }
    return this.queue.slice(0, n);
  }

  private async push(batch: Queued[]): Promise<'ok' | 'retry'> {
    const byStream = new Map<
      string,
      { labels: string; entries: Array<{ ts: bigint; line: string; metadata?: Labels }> }
    >();
    for (const q of batch) {
      let s = byStream.get(q.key);
      if (!s) {
        s = { labels: q.key, entries: [] };
        byStream.set(q.key, s);
      }
      s.entries.push(
        q.metadata ? { ts: q.ts, line: q.line, metadata: q.metadata } : { ts: q.ts, line: q.line },
      );
    }
    const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' };
    if (this.o.tenant) headers['x-scope-orgid'] = this.o.tenant;
    if (this.o.bearerToken) headers.authorization = `Bearer ${this.o.bearerToken}`;
    let res: Response;
    try {
      res = await fetch(`${this.o.url}/loki/api/v1/push`, {
        method: 'POST',
        headers,
        body: encodePushProtobuf([...byStream.values()]),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      return 'retry';
    }
    const text = await res.text().catch(() => '');
    if (res.status === 429 || res.status >= 500) return 'retry';
    if (res.status >= 200 && res.status < 300) {
      this.m.sent.inc(batch.length);
      return 'ok';
    }
    // 4xx: Loki has stored the valid part and rejected the rest for good.
    let rejected = batch.length;
    try {
      const body = JSON.parse(text) as { errors?: Array<{ code?: string }> };
      if (Array.isArray(body.errors)) {
        rejected = body.errors.length;
        for (const e of body.errors) this.m.dropped.inc({ reason: (e.code ?? 'rejected').toLowerCase() });
      } else this.m.dropped.inc({ reason: `http_${res.status}` }, rejected);
    } catch {
      this.m.dropped.inc({ reason: `http_${res.status}` }, rejected);
    }
    this.m.sent.inc(Math.max(0, batch.length - rejected));
    return 'ok';
  }
}
