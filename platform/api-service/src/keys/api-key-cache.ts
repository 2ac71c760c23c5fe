import type { ApiKeyRecord } from './api-key-store.js';

/**
 * Recently read API key records, in memory, by key hash: a bounded LRU with two ages.
 * - `freshMs`: a record younger than this is used without reading PostgreSQL (so a revocation takes effect
 *   within `freshMs` while the database answers).
 * - `fallbackMs`: while PostgreSQL cannot be reached, a record younger than this still authenticates its
 *   key. The record carries the key's status and expiry, so an expired key is refused on time and a key
 *   revoked before its record was read is refused; a revocation made after the read is seen once the
 *   database answers again (the revocation delay during an outage is at most `fallbackMs`).
 * Only keys that exist are kept: an unknown key is never answered from memory. Lost on restart.
 */
export interface ApiKeyCacheOptions {
  /** A record younger than this is used without reading the database. 0: always read. @default 5000 */
  freshMs?: number;
  /** While the database is down, a record younger than this still authenticates. 0: none. @default 300000 */
  fallbackMs?: number;
  /** Most records kept; the least recently used goes first. @default 10000 */
  maxEntries?: number;
}

export class ApiKeyCache {
  readonly freshMs: number;
  readonly fallbackMs: number;
  readonly maxEntries: number;
  readonly #entries = new Map<string, { record: ApiKeyRecord; at: number }>();

  constructor(options: ApiKeyCacheOptions = {}) {
    this.freshMs = options.freshMs ?? 5000;
    this.fallbackMs = options.fallbackMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The record when it was read less than `freshMs` ago. */
  fresh(hash: string, now: number): ApiKeyRecord | undefined {
    return this.#get(hash, now, this.freshMs);
  }

  /** The record when it was read less than `fallbackMs` ago (for a database outage). */
  fallback(hash: string, now: number): ApiKeyRecord | undefined {
    return this.#get(hash, now, this.fallbackMs);
  }

  /** Keeps a record read from the database now. */
  set(hash: string, record: ApiKeyRecord, now: number): void {
    if (Math.max(this.freshMs, this.fallbackMs) <= 0 || this.maxEntries <= 0) return;
    this.#entries.delete(hash);
    this.#entries.set(hash, { record, at: now });
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  /** Forgets a key (the database says it does not exist any more). */
  delete(hash: string): void {
    this.#entries.delete(hash);
  }

  /** Forgets every record of a key, by its id (it was revoked or given a new secret). */
  forgetKey(keyId: string): void {
    for (const [hash, entry] of this.#entries) {
      if (entry.record.id === keyId) this.#entries.delete(hash);
    }
  }

  #get(hash: string, now: number, maxAge: number): ApiKeyRecord | undefined {
    const entry = this.#entries.get(hash);
    if (!entry) return undefined;
    if (now - entry.at >= Math.max(this.freshMs, this.fallbackMs)) {
      this.#entries.delete(hash);
      return undefined;
    }
    if (now - entry.at >= maxAge) return undefined;
    // Most recently used last.
    this.#entries.delete(hash);
    this.#entries.set(hash, entry);
    return entry.record;
  }
}
