// The active streams of each tenant, as Loki's ingester holds them in memory: a stream is active
// while it has received an entry within the idle period (Loki's `chunk_idle_period`, 30m by
// default); after that it leaves the active set. Its data stays stored and queryable; only the
// stream limit (`max_global_streams_per_user`) and `loki_ingester_memory_streams` count active
// streams, so a flood of label sets fills the limit only until those streams go idle.
//
// Activity is the wall-clock time an entry was received (as Loki's idle flush uses), not the
// entry's timestamp. The set lives in memory. After a restart it is rebuilt from recent data: a
// stream whose newest stored entry is younger than the idle period counts as active from that
// entry's timestamp (capped at now) — so a restart does not reopen a full limit, and a stream
// whose data is old (or backfilled with old timestamps) starts idle.
//
// Per tenant the set is a Map kept in order of last activity (a touch moves the stream to the
// end), so expiring idle streams pops from the front: O(expired) per call.

export class ActiveStreams {
  /** Per tenant: stream id → last activity (ms), in order of activity; and the latest time seen. */
  private readonly byTenant = new Map<string, { streams: Map<number, number>; latest: number }>();

  /** `idleMsFor(tenant)`: the idle period in ms; 0 or less never retires a stream. */
  constructor(private readonly idleMsFor: (tenant: string) => number) {}

  /**
   * Fills the set at start-up from each stream's newest stored entry (ms, capped at `nowMs`);
   * streams idle by then are left out.
   */
  load(streams: Array<{ tenant: string; id: number; newestMs: number }>, nowMs: number): void {
    const sorted = streams
      .map((s) => ({ ...s, at: Math.min(s.newestMs, nowMs) }))
      .sort((a, b) => a.at - b.at);
    for (const s of sorted) {
      const idle = this.idleMsFor(s.tenant);
      if (idle > 0 && s.at <= nowMs - idle) continue;
      this.touch(s.tenant, s.id, s.at);
    }
  }

  /** Marks a stream active at `atMs` (the wall clock of the push). */
  touch(tenant: string, streamId: number, atMs: number): void {
    let t = this.byTenant.get(tenant);
    if (!t) {
      t = { streams: new Map(), latest: atMs };
      this.byTenant.set(tenant, t);
    }
    // Keep the map ordered by activity even if the clock steps back.
    const at = Math.max(atMs, t.latest);
    t.latest = at;
    t.streams.delete(streamId);
    t.streams.set(streamId, at);
  }

  /** Whether the stream is active at `nowMs` (received an entry within the idle period). */
  isActive(tenant: string, streamId: number, nowMs: number): boolean {
    this.expire(tenant, nowMs);
    return this.byTenant.get(tenant)?.streams.has(streamId) ?? false;
  }

  /** Active streams of a tenant at `nowMs`. */
  count(tenant: string, nowMs: number): number {
    this.expire(tenant, nowMs);
    return this.byTenant.get(tenant)?.streams.size ?? 0;
  }

  tenants(): string[] {
    return [...this.byTenant.keys()];
  }

  private expire(tenant: string, nowMs: number): void {
    const m = this.byTenant.get(tenant)?.streams;
    const idle = this.idleMsFor(tenant);
    if (!m || idle <= 0) return;
    const cutoff = nowMs - idle;
    for (const [id, at] of m) {
      if (at > cutoff) break;
      m.delete(id);
    }
  }
}
