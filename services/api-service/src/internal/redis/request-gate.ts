import type { RateLimitKind } from '@opsight/catalog';
import type { Redis } from 'ioredis';

/** The outcome of admitting one request. */
export type Admission = { ok: true } | { ok: false; limit: RateLimitKind; retryAfterSeconds: number };

export interface RequestGateOptions {
  /** Clock (ms), for tests. @default Date.now */
  now?: () => number;
  /** Key prefix in Redis. @default 'opsight:api:' */
  prefix?: string;
}

const MINUTE = 60_000;
const FIVE_MINUTES = 5 * MINUTE;
const HOUR = 60 * MINUTE;

/**
 * Per-key limits and active-user counting in Redis, one round trip per request:
 * - requests per minute: a counter per key and minute window (INCR), checked against the key's limit;
 * - tokens per minute: a counter per key and window, added to once the answer's usage is known, so a
 *   key over its budget is refused from its next request until the window ends;
 * - active users: the user id added to a HyperLogLog per 5 minutes and one per hour; the 1 h and 1 day
 *   counts are PFCOUNTs over the last 12 and 24 of them (a union, so a user is counted once).
 */
export class RequestGate {
  readonly #redis: Redis;
  readonly #now: () => number;
  readonly #prefix: string;

  constructor(redis: Redis, options: RequestGateOptions = {}) {
    this.#redis = redis;
    this.#now = options.now ?? Date.now;
    this.#prefix = options.prefix ?? 'opsight:api:';
  }

  /** Counts the request against the key's limits and marks the user active. */
  async admit(keyId: string, userId: string, limits: { rpm: number; tpm: number }): Promise<Admission> {
    const now = this.#now();
    const window = Math.floor(now / MINUTE);
    const p = this.#prefix;
    const requests = `${p}rl:${keyId}:r:${window}`;
    const tokens = `${p}rl:${keyId}:t:${window}`;
    const recent = `${p}au:5m:${Math.floor(now / FIVE_MINUTES)}`;
    const hourly = `${p}au:1h:${Math.floor(now / HOUR)}`;
    const results = await this.#redis
      .multi()
      .incr(requests)
      .pexpire(requests, 2 * MINUTE)
      .get(tokens)
      .pfadd(recent, userId)
      .pexpire(recent, HOUR + 2 * FIVE_MINUTES)
      .pfadd(hourly, userId)
      .pexpire(hourly, 25 * HOUR)
      .exec();
    if (!results) throw new Error('redis transaction aborted');
    for (const [error] of results) if (error) throw error;
    const count = Number(results[0]![1]);
    const used = Number(results[2]![1] ?? 0);
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * MINUTE - now) / 1000));
    if (count > limits.rpm) return { ok: false, limit: 'requests', retryAfterSeconds };
    if (used >= limits.tpm) return { ok: false, limit: 'tokens', retryAfterSeconds };
    return { ok: true };
  }

  /** Adds an answer's tokens to the key's budget of the current window. */
  async spendTokens(keyId: string, tokens: number): Promise<void> {
    if (!(tokens > 0)) return;
    const key = `${this.#prefix}rl:${keyId}:t:${Math.floor(this.#now() / MINUTE)}`;
    await this.#redis
      .multi()
      .incrby(key, tokens)
      .pexpire(key, 2 * MINUTE)
      .exec();
  }

  /** Distinct users of the last hour and of the last day. */
  async activeUsers(): Promise<{ hour: number; day: number }> {
    const now = this.#now();
    const p = this.#prefix;
    const fives = Array.from({ length: 12 }, (_, i) => `${p}au:5m:${Math.floor(now / FIVE_MINUTES) - i}`);
    const hours = Array.from({ length: 24 }, (_, i) => `${p}au:1h:${Math.floor(now / HOUR) - i}`);
    const [hour, day] = await Promise.all([this.#redis.pfcount(...fives), this.#redis.pfcount(...hours)]);
    return { hour, day };
  }
}
