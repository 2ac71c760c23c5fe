// The local collector: Alloy's job on one machine. Tails the CRI log files under
// <pods-dir>/<namespace>_<pod>_<uid>/<container>/<N>.log, joins partial lines, applies the
// catalog's log rule (entry-pipeline.ts), labels entries {namespace, app, container, pod, level},
// and ships them per stream (stream-sender.ts) to the store (snappy protobuf, as Alloy does).
//
// Guarantees (at-least-once):
//   - A file's position (positions.ts) is keyed by its identity — device, inode and a fingerprint of its
//     first 1 KiB (file-identity.ts) — not by path, and only passes entries the store acknowledged or
//     that were dropped for good and counted (opsight_collector_entries_dropped_total{reason}). Anything
//     after it is read again after a restart, so a kill -9 loses nothing; re-sent lines are stored once
//     (the store keeps an exact duplicate — same stream, timestamp and line — once).
//   - Rotation by rename (the kubelet's `<N>.log` -> `<N>.log.<YYYYMMDD-hhmmss>`, the supervisor's
//     `<N>.log.<YYYYMMDDThhmmss.nnnnnnnnnZ>`): the renamed file keeps its identity, is read through its
//     open handle to its end (including lines the writer appends before it reopens) and let go only once
//     it has not grown for `rotatedGraceMs`, everything in it is acknowledged or dropped, and a last line
//     without a newline has been shipped. On start, rotated siblings whose identity has a saved position
//     are finished first, and a rotated sibling written after the last positions save (a rotation while
//     the collector was down, of a file it had not seen yet) is read from its start; the live file of a
//     container is read only once its rotated files are read to their end, so lines stay in order.
//     Nothing is lost when the collector is down across one rotation.
//   - Copy-truncate (same inode, size below the read offset, or different first bytes): counted in
//     opsight_collector_truncations_total and read again from 0. Lines written between the last read and
//     the truncation are only in the copy, which the collector does not read (as Alloy).
//   - A reused inode (a new file with the identity of a deleted one) has other first bytes: read from 0.
//   - Down for longer than the rotated files are kept (kubelet containerLogMaxFiles, default 5, and it
//     gzips all but the newest rotated file; the supervisor keeps 4): a file with a saved position that
//     is gone on start had its unread lines deleted. They are lost; the loss is logged and its size, as
//     the last seen size minus the saved offset (a lower bound), counted in
//     opsight_collector_lost_bytes_total{reason="rotated_away"}. Compressed (.gz) files are not read.
//   - No head-of-line blocking: a stream the store refuses backs off alone (stream-sender.ts); reading is
//     back-pressured per file (`maxQueuedPerFile`) and overall (`maxQueuedEntries`), never dropped.
//   - opsight_collector_lag_seconds is the age of the oldest entry read and neither stored nor dropped,
//     over every stream, so it keeps growing while one stream is refused.

import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogOriginLabel } from '@opsight/catalog';
import { parseCriLine } from '@opsight/contracts/codecs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { formatLabels, type Labels } from '../labels.js';
import { PartialJoiner } from './cri.js';
import { processLine } from './entry-pipeline.js';
import {
  FINGERPRINT_BYTES,
  type Fingerprint,
  identityKey,
  matchesFingerprint,
  takeFingerprint,
} from './file-identity.js';
import { type Position, Positions } from './positions.js';
import { StreamSender } from './stream-sender.js';

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
  /** How often the tracked files are read, ms. @default 250 */
  pollIntervalMs?: number;
  /**
   * How often the pods directory is listed and every file in it checked (new files, rotation,
   * truncation), ms. Between scans the tracked files are read through their open handles, which keep
   * reading a renamed file: a scan costs a directory listing per pod and container and a stat per file.
   * @default 4 × pollIntervalMs
   */
  scanIntervalMs?: number;
  /**
   * Least time between two writes of the positions file, ms (it is also written on stop). Positions only
   * pass acknowledged entries, so a longer interval only means more lines read again after a crash
   * (stored once: the store keeps an exact duplicate once). @default 4 × pollIntervalMs
   */
  positionsSaveIntervalMs?: number;
  /** Most entries per push. @default 1000 */
  batchMaxEntries?: number;
  /** Most line bytes per push. @default 1048576 */
  batchMaxBytes?: number;
  /** First retry delay, doubled per failure, ms. @default 250 */
  minBackoffMs?: number;
  /** Longest retry delay, ms. @default 10000 */
  maxBackoffMs?: number;
  /**
   * How long a stream refused with 429 is retried before its refused entries are dropped and counted, ms
   * (Alloy: max_backoff_period × max_backoff_retries).
   * @default 600000 (10 minutes)
   */
  maxRetryPeriodMs?: number;
  /** Entries held in memory before all reading pauses (back-pressure, nothing is dropped). @default 20000 */
  maxQueuedEntries?: number;
  /**
   * Entries of one file held in memory before reading that file pauses, so that one refused stream does
   * not stop the other files. @default 5000
   */
  maxQueuedPerFile?: number;
  /**
   * A rotated file is let go only after it has not grown for this long (the writer may append to it
   * until it reopens the new file), ms. @default 1000
   */
  rotatedGraceMs?: number;
  /** Where messages go. @default process.stderr */
  log?: (line: string) => void;
  /** Registry for the collector's metrics. */
  registry: Registry;
}

interface PendingEntry {
  /** Where to read from again to produce this entry (its first chunk). */
  start: number;
  done: boolean;
}

interface FileState {
  id: string;
  dev: number;
  ino: number;
  path: string;
  /** The container directory (pod/container): rotated siblings and the live file share it. */
  dir: string;
  labelsBase: Labels;
  fh: FileHandle;
  fp: Fingerprint;
  /** Currently named `<N>.log`. */
  live: boolean;
  /** Not seen by the last scan (deleted): read through the open handle, then let go. */
  gone: boolean;
  /** Replaced by a new state after a truncation: its entries still end, but commit nothing. */
  detached: boolean;
  size: number;
  /** Offset of the next byte to read. */
  readOffset: number;
  carry: Buffer;
  carryStart: number;
  joiner: PartialJoiner;
  /** Start offsets of partial lines being joined, by output stream. */
  partialStart: Map<string, number>;
  /** Offset after the last complete line read. */
  settled: number;
  /** Offset up to which everything is acknowledged or dropped. */
  committed: number;
  /** The size written in the positions file. */
  savedSize: number;
  pending: PendingEntry[];
  pendingHead: number;
  inflight: number;
  /** Last time the file grew or was renamed (ms). */
  changedAt: number;
  /** The trailing unterminated line was shipped (only done before letting a rotated file go). */
  flushed: boolean;
}

const POD_DIR = /^([^_]+)_([^_]+)_([^_]+)$/;
const LIVE = /^\d+\.log$/;
const ROTATED = /^\d+\.log\.(.+)$/;
const READ_CHUNK = 256 * 1024;

export class Collector {
  /** Tracked files by identity. */
  private readonly files = new Map<string, FileState>();
  /** Old states of truncated files, until their entries end. */
  private readonly detached: FileState[] = [];
  /** Identities of rotated files read to their end and let go, with their fingerprint. */
  private readonly finished = new Map<string, string>();
  /** `app` label by pod directory. */
  private readonly apps = new Map<string, string | undefined>();
  private readonly readBuffer = Buffer.allocUnsafe(READ_CHUNK);
  private readonly positions: Positions;
  private readonly sender: StreamSender;
  private readonly startedAt = Date.now();
  private firstScanDone = false;
  /** When the pods directory was last scanned, and the positions file last written (ms). */
  private lastScanAt = 0;
  private lastSaveAt = 0;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private readonly log: (line: string) => void;
  ready = false;
  private readonly m: {
    read: Counter;
    truncations: Counter;
    lostBytes: Counter;
    lagBytes: Gauge;
    lagSeconds: Gauge;
    files: Gauge;
  };

  constructor(private readonly o: CollectorOptions) {
    this.positions = new Positions(o.positionsFile);
    this.log = o.log ?? ((l) => process.stderr.write(`${l}\n`));
    this.sender = new StreamSender({ ...o, log: this.log });
    const registers = [o.registry];
    this.m = {
      read: new Counter({
        name: 'opsight_collector_lines_read_total',
        help: 'Log entries read from files (after joining partial lines).',
        registers,
      }),
      truncations: new Counter({
        name: 'opsight_collector_truncations_total',
        help: 'Log files found truncated or rewritten in place (copy-truncate rotation), read again from 0.',
        registers,
      }),
      lostBytes: new Counter({
        name: 'opsight_collector_lost_bytes_total',
        help: 'Unread bytes of log files deleted before the collector read them (at least this many), by reason.',
        labelNames: ['reason'],
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
        this.log(`collector: poll failed: ${(e as Error).message}`);
      }
      if (!this.stopped) this.pollTimer = setTimeout(tick, this.o.pollIntervalMs ?? 250);
    };
    void tick();
    this.sending = this.sender.run();
  }

  /**
   * Stops reading and sending (the push in flight is abandoned), saves the positions (acknowledged
   * entries only) and closes the files. What was not acknowledged is read again at the next start.
   */
  async stop(): Promise<void> {
    await this.halt();
    this.positions.save();
    for (const f of [...this.files.values(), ...this.detached]) await f.fh.close().catch(() => undefined);
  }

  /** Stops as kill -9 would: nothing more is read, sent or saved. For tests. */
  async kill(): Promise<void> {
    await this.halt();
    for (const f of [...this.files.values(), ...this.detached]) await f.fh.close().catch(() => undefined);
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.sender.stop();
    // A poll in flight finishes before the files it reads are closed.
    await this.polling?.catch(() => undefined);
    await this.sending;
  }

  /**
   * Reads what is new in the tracked files; first discovers files (and checks rotation and truncation)
   * when `scan` is true, or when the last scan is older than the scan interval.
   */
  async poll(scan?: boolean): Promise<void> {
    const pollInterval = this.o.pollIntervalMs ?? 250;
    const now = Date.now();
    if (
      scan ??
      (!this.firstScanDone || now - this.lastScanAt >= (this.o.scanIntervalMs ?? 4 * pollInterval))
    ) {
      this.lastScanAt = now;
      await this.scan();
    }
    // Rotated and deleted files first; a live file waits for its container's rotated files.
    const unfinished = new Set<string>();
    for (const f of this.files.values()) {
      if (f.live) continue;
      await this.read(f);
      if (f.readOffset < f.size || f.carry.length > 0) unfinished.add(f.dir);
    }
    for (const f of this.files.values()) if (f.live && !unfinished.has(f.dir)) await this.read(f);
    await this.letGo();
    let lag = 0;
    for (const f of this.files.values()) {
      lag += Math.max(0, f.size - f.committed);
      // The size seen, so that a file deleted unread while the collector is down can be reported.
      if (f.size !== f.savedSize) this.savePosition(f);
    }
    this.m.lagBytes.set(lag);
    this.m.files.set(this.files.size);
    const oldest = this.sender.oldestTs();
    this.m.lagSeconds.set(
      oldest !== undefined ? Math.max(0, Date.now() / 1000 - Number(oldest / 1_000_000n) / 1000) : 0,
    );
    if (Date.now() - this.lastSaveAt >= (this.o.positionsSaveIntervalMs ?? 4 * pollInterval)) {
      this.lastSaveAt = Date.now();
      this.positions.save();
    }
  }

  /** Lists the pods directory: tracks new files, notices renamed, deleted and truncated ones. */
  private async scan(): Promise<void> {
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
        const dir = join(podPath, c);
        let names: string[];
        try {
          names = await readdir(dir);
        } catch {
          continue;
        }
        // Exactly the catalog rule's origin labels (LOG_SHIPPING.originLabels), checked by the type.
        const origin: Record<LogOriginLabel, string> = {
          namespace: m[1]!,
          pod: m[2]!,
          container: c,
          app: app ?? c,
        };
        const base: Labels = origin;
        // Rotated files first (oldest name first), so that they are found before the live file.
        const rotated = names.filter((n) => isRotatedName(n)).sort();
        for (const n of [...rotated, ...names.filter((n) => LIVE.test(n))]) {
          const id = await this.track(join(dir, n), dir, base, LIVE.test(n));
          if (id) seen.add(id);
        }
      }
    }
    for (const f of this.files.values()) {
      if (!seen.has(f.id)) {
        f.gone = true;
        f.live = false;
      }
    }
    if (!this.firstScanDone) {
      this.firstScanDone = true;
      this.reportVanished();
    }
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

  /** Tracks the file at `path`; returns its identity when it is (or becomes) tracked. */
  private async track(path: string, dir: string, base: Labels, live: boolean): Promise<string | undefined> {
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    const id = identityKey(st.dev, st.ino);
    const cur = this.files.get(id);
    if (cur) {
      if (cur.path !== path || cur.live !== live) cur.changedAt = Date.now();
      cur.path = path;
      cur.live = live;
      cur.gone = false;
      cur.labelsBase = base;
      await this.checkContent(cur, st.size);
      return id;
    }
    const fh = await open(path, 'r').catch(() => undefined);
    if (!fh) return undefined;
    const size = (await fh.stat().catch(() => st)).size;
    const saved = this.positions.get(id);
    let offset: number | undefined;
    if (saved && saved.offset <= size && (await matchesFingerprint(fh, saved.fp))) offset = saved.offset;
    else if (saved) this.vanished(saved); // its inode now belongs to another file
    const fp = await takeFingerprint(fh, size);
    const done = this.finished.get(id);
    if (offset === undefined && done !== undefined) {
      if (done === fp.hash) {
        await fh.close();
        return undefined;
      }
      this.finished.delete(id);
    }
    if (offset === undefined && live) offset = this.positions.takeLegacy(path, Number(st.ino));
    if (offset !== undefined && offset > size) offset = undefined;
    if (offset === undefined) {
      // A rotated file without a position is read only when written since the collector last saved its
      // positions (rotated while it was down) or since it started: older ones predate it.
      const since = this.positions.savedAt || this.startedAt;
      if (!live && !(st.mtimeMs > since)) {
        await fh.close();
        return undefined;
      }
      offset = 0;
    }
    const f: FileState = {
      id,
      dev: Number(st.dev),
      ino: Number(st.ino),
      path,
      dir,
      labelsBase: base,
      fh,
      fp,
      live,
      gone: false,
      detached: false,
      size,
      readOffset: offset,
      carry: Buffer.alloc(0),
      carryStart: offset,
      joiner: new PartialJoiner(),
      partialStart: new Map(),
      settled: offset,
      committed: offset,
      savedSize: -1,
      pending: [],
      pendingHead: 0,
      inflight: 0,
      changedAt: Date.now(),
      flushed: false,
    };
    this.files.set(id, f);
    this.savePosition(f);
    return id;
  }

  /** Notices growth, truncation and rewriting; extends the fingerprint while the file is short. */
  private async checkContent(f: FileState, size: number): Promise<void> {
    if (size === f.size && f.fp.len === Math.min(size, FINGERPRINT_BYTES)) return;
    const same = size >= f.fp.len && (await matchesFingerprint(f.fh, f.fp));
    if (!same || size < f.readOffset) {
      await this.truncated(f, size);
      return;
    }
    if (size > f.size) f.changedAt = Date.now();
    f.size = size;
    if (f.fp.len < FINGERPRINT_BYTES && size > f.fp.len) f.fp = await takeFingerprint(f.fh, size);
  }

  /** Copy-truncate: the old state's entries still end; a new state reads the file again from 0. */
  private async truncated(f: FileState, size: number): Promise<void> {
    this.m.truncations.inc();
    this.log(`collector: ${f.path} was truncated or rewritten in place; reading it again from the start`);
    const fh = await open(f.path, 'r').catch(() => undefined);
    f.detached = true;
    this.files.delete(f.id);
    this.detached.push(f);
    if (!fh) return;
    const fresh: FileState = {
      ...f,
      fh,
      fp: await takeFingerprint(fh, size),
      detached: false,
      size,
      readOffset: 0,
      carry: Buffer.alloc(0),
      carryStart: 0,
      joiner: new PartialJoiner(),
      partialStart: new Map(),
      settled: 0,
      committed: 0,
      savedSize: -1,
      pending: [],
      pendingHead: 0,
      inflight: 0,
      changedAt: Date.now(),
      flushed: false,
    };
    this.files.set(f.id, fresh);
    this.savePosition(fresh);
  }

  /** Positions saved for files that are not there any more: their unread lines were deleted unread. */
  private reportVanished(): void {
    for (const key of this.positions.keys()) {
      if (this.files.has(key)) continue;
      this.vanished(this.positions.get(key)!);
      this.positions.delete(key);
    }
  }

  /** A file with a saved position that is not there any more: counts and logs what it lost. */
  private vanished(p: Position): void {
    const lost = Math.max(0, p.size - p.offset);
    if (lost === 0) return;
    this.m.lostBytes.inc({ reason: 'rotated_away' }, lost);
    this.log(
      `collector: ${p.path || `${p.dev}:${p.ino}`} was deleted before it was read to its end (at least ${lost} bytes lost): the collector was down longer than rotated files are kept`,
    );
  }

  private async read(f: FileState): Promise<void> {
    const max = this.o.maxQueuedEntries ?? 20000;
    const perFile = this.o.maxQueuedPerFile ?? 5000;
    while (this.sender.size < max && f.inflight < perFile) {
      // One buffer for every read: what outlives the read (carry, lines) is copied out of it.
      const buf = this.readBuffer;
      const { bytesRead } = await f.fh.read(buf, 0, READ_CHUNK, f.readOffset);
      if (bytesRead === 0) break;
      f.readOffset += bytesRead;
      if (f.readOffset > f.size) {
        f.size = f.readOffset;
        f.changedAt = Date.now();
      }
      const data =
        f.carry.length > 0
          ? Buffer.concat([f.carry, buf.subarray(0, bytesRead)])
          : buf.subarray(0, bytesRead);
      let start = 0;
      let lineStart = f.carryStart;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        const raw = data.toString('utf8', start, nl);
        const end = lineStart + (nl - start) + 1;
        this.line(f, raw, lineStart, end);
        start = nl + 1;
        lineStart = end;
      }
      f.carry = Buffer.from(data.subarray(start));
      f.carryStart = lineStart;
      if (bytesRead < READ_CHUNK) break;
    }
    if (f.fp.len < FINGERPRINT_BYTES && f.size > f.fp.len) f.fp = await takeFingerprint(f.fh, f.size);
  }

  private line(f: FileState, raw: string, start: number, end: number): void {
    const cri = parseCriLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (!cri) {
      this.sender.countDropped('unparsable_cri_line');
      f.settled = end;
      this.advance(f);
      return;
    }
    if (cri.partial && !f.partialStart.has(cri.stream)) f.partialStart.set(cri.stream, start);
    const joined = f.joiner.push(cri);
    f.settled = end;
    if (!joined) return;
    const entryStart = f.partialStart.get(cri.stream) ?? start;
    f.partialStart.delete(cri.stream);
    this.m.read.inc();
    const e = processLine(joined.ts, joined.line);
    const labels: Labels = { ...f.labelsBase };
    if (e.labels) Object.assign(labels, e.labels);
    const p: PendingEntry = { start: entryStart, done: false };
    f.pending.push(p);
    f.inflight++;
    this.sender.enqueue(formatLabels(labels), {
      ts: e.ts,
      line: e.line,
      ...(e.metadata ? { metadata: e.metadata } : {}),
      done: () => {
        p.done = true;
        f.inflight--;
        this.advance(f);
      },
    });
  }

  /** Moves the file's committed offset past every entry that has ended. */
  private advance(f: FileState): void {
    while (f.pendingHead < f.pending.length && f.pending[f.pendingHead]!.done) f.pendingHead++;
    if (f.pendingHead > 1024 && f.pendingHead * 2 > f.pending.length) {
      f.pending = f.pending.slice(f.pendingHead);
      f.pendingHead = 0;
    }
    let to = f.pending[f.pendingHead]?.start ?? f.settled;
    for (const s of f.partialStart.values()) to = Math.min(to, s);
    if (to <= f.committed) return;
    f.committed = to;
    if (!f.detached) this.savePosition(f);
  }

  private savePosition(f: FileState): void {
    f.savedSize = f.size;
    this.positions.set(f.id, {
      dev: f.dev,
      ino: f.ino,
      fp: f.fp,
      offset: f.committed,
      size: f.size,
      path: f.path,
    });
  }

  /** Lets go of rotated and deleted files read to their end, and of truncated files' old states. */
  private async letGo(): Promise<void> {
    const now = Date.now();
    const grace = this.o.rotatedGraceMs ?? 1000;
    for (const f of [...this.files.values()]) {
      if (f.live || f.readOffset < f.size || now - f.changedAt < grace) continue;
      if (!f.flushed) {
        // The writer is done with it: a last line without a newline, and partial chunks never
        // completed, are shipped as they are rather than lost.
        f.flushed = true;
        if (f.carry.length > 0) {
          const raw = f.carry.toString('utf8');
          const start = f.carryStart;
          f.carry = Buffer.alloc(0);
          this.line(f, raw, start, start + Buffer.byteLength(raw));
        }
        for (const stream of [...f.partialStart.keys()]) {
          const at = f.partialStart.get(stream)!;
          this.line(f, `${new Date().toISOString()} ${stream} F `, at, f.settled);
        }
        continue;
      }
      if (f.inflight > 0) continue;
      await f.fh.close().catch(() => undefined);
      this.files.delete(f.id);
      this.positions.delete(f.id);
      if (!f.gone) this.finished.set(f.id, f.fp.hash);
    }
    for (let i = this.detached.length - 1; i >= 0; i--) {
      const f = this.detached[i]!;
      if (f.inflight > 0) continue;
      await f.fh.close().catch(() => undefined);
      this.detached.splice(i, 1);
    }
  }
}

/** `<N>.log.<suffix>` as the kubelet and the supervisor name rotated files; compressed ones excluded. */
function isRotatedName(name: string): boolean {
  const m = ROTATED.exec(name);
  return m !== null && !/\.(gz|tmp|bz2|zst|z)$/i.test(m[1]!);
}
