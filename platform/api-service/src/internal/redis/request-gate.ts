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
 * What `admit` does in Redis, as one script (atomic like MULTI/EXEC, and one command for Redis to parse
 * and answer instead of nine). KEYS: the requests counter, the tokens counter, the 5-minute and the hourly
 * active-user HyperLogLogs; ARGV: the user id and the three expiries (ms). Returns the request count and
 * the tokens used (nil when none).
 */
const ADMIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local used = redis.call('GET', KEYS[2])
redis.call('PFADD', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PFADD', KEYS[4], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
return {count, used}
`;

/** Adds ARGV[1] tokens to the counter KEYS[1] and sets its expiry to ARGV[2] ms, as one command. */
const SPEND_SCRIPT = `
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** The scripts' names on the client (ioredis sends them with EVALSHA, and EVAL once when Redis lacks one). */
const ADMIT_COMMAND = 'opsightAdmit';
const SPEND_COMMAND = 'opsightSpendTokens';

type AdmitCommand = (
  requests: string,
  tokens: string,
  recent: string,
  hourly: string,
  userId: string,
  requestsTtlMs: number,
  recentTtlMs: number,
  hourlyTtlMs: number,
) => Promise<[number, string | null]>;
type SpendCommand = (tokens: string, amount: number, ttlMs: number) => Promise<number>;

/**
 * Per-key limits and active-user counting in Redis, one round trip and one command per request:
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
    if (!(ADMIT_COMMAND in redis)) redis.defineCommand(ADMIT_COMMAND, { numberOfKeys: 4, lua: ADMIT_SCRIPT });
    if (!(SPEND_COMMAND in redis)) redis.defineCommand(SPEND_COMMAND, { numberOfKeys: 1, lua: SPEND_SCRIPT });
  }

  #command<T>(name: string): T {
    return (this.#redis as unknown as Record<string, T>)[name]!;
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
    const [count, used] = await this.#command<AdmitCommand>(ADMIT_COMMAND).call(
      this.#redis,
      requests,
      tokens,
      recent,
      hourly,
      userId,
      2 * MINUTE,
      HOUR + 2 * FIVE_MINUTES,
      25 * HOUR,
    );
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * MINUTE - now) / 1000));
    if (Number(count) > limits.rpm) return { ok: false, limit: 'requests', retryAfterSeconds };
    if (Number(used ?? 0) >= limits.tpm) return { ok: false, limit: 'tokens', retryAfterSeconds };
    return { ok: true };
  }

  /** Adds an answer's tokens to the key's budget of the current window. */
  async spendTokens(keyId: string, tokens: number): Promise<void> {
    if (!(tokens > 0)) return;
    const key = `${this.#prefix}rl:${keyId}:t:${Math.floor(this.#now() / MINUTE)}`;
    await this.#command<SpendCommand>(SPEND_COMMAND).call(this.#redis, key, tokens, 2 * MINUTE);
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
