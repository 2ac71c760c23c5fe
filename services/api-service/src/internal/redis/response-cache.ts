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
 * Answers of identical deterministic requests (non-stream, `temperature: 0`) in Redis, keyed by a SHA-256
 * of the request's model and generation fields. The key never holds prompt text, only its hash.
 */
export class ResponseCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly prefix = 'opsight:api:cache:',
  ) {}

  /** The cache key of a request: a hash of everything that shapes the answer. */
  keyOf(request: unknown): string {
    return this.prefix + createHash('sha256').update(JSON.stringify(request)).digest('hex');
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
