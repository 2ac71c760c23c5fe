import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What the cache keeps of an answer. */
export interface CachedCompletion {
  model: string;
  content: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * Who shares cached answers. `user`: each user (the owner of the API key) has their own answers, so a
 * hit tells a caller only about prompts they sent themselves. `shared`: every caller shares them, and
 * `x-opsight-cache: hit` tells anyone that someone sent that exact prompt within the TTL.
 */
export type ResponseCacheScope = 'user' | 'shared';

/**
 * Answers of identical deterministic requests (non-stream, `temperature: 0`) in Redis, keyed by a SHA-256
 * of the request's model and generation fields and, in the default `user` scope, the user. The key never
 * holds prompt text or the user id, only their hash.
 */
export class ResponseCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly scope: ResponseCacheScope = 'user',
    private readonly prefix = 'opsight:api:cache:',
  ) {}

  /**
   * The cache key of a request: a hash of everything that shapes the answer, and of `userId` unless the
   * cache is shared (a user's keys share that user's answers).
   */
  keyOf(request: unknown, userId: string): string {
    const hash = createHash('sha256');
    if (this.scope === 'user') hash.update(`user:${JSON.stringify(userId)}\n`);
    return `${this.prefix}${this.scope === 'user' ? 'u:' : 's:'}${hash.update(JSON.stringify(request)).digest('hex')}`;
  }

  async get(key: string): Promise<CachedCompletion | undefined> {
    const text = await this.redis.get(key);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as CachedCompletion;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedCompletion): Promise<void> {
    await this.redis.set(key, JSON.stringify(value), 'EX', this.ttlSeconds);
  }
}
