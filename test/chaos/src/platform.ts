/**
 * Platform traffic for the dependency faults: chat completions through the gateway with the stack's
 * loadgen API key (its rate limit is far above what a fault sends), each with a deadline, counted by outcome.
 */
import type { ChaosStack } from './stack.js';
import { sleep } from './stack.js';

export interface TrafficCount {
  sent: number;
  ok: number;
  failed: number;
  /** Failed requests by status (0: no answer within the deadline, or the connection failed). */
  byStatus: Record<string, number>;
}

export function newCount(): TrafficCount {
  return { sent: 0, ok: 0, failed: 0, byStatus: {} };
}

/** One chat completion through the gateway; returns the status, 0 when none came within `timeoutMs`. */
export async function chat(stack: ChaosStack, model: string, timeoutMs: number): Promise<number> {
  try {
    const res = await fetch(`${stack.url('gateway')}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.secret('loadgen-api-key')}`,
      },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'chaos' }], max_tokens: 4 }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * Sends requests from `concurrency` clients until `stop()` returns true, each client pausing `pauseMs`
 * between its requests; counts into `count`.
 */
export async function traffic(
  stack: ChaosStack,
  model: string,
  count: TrafficCount,
  stop: () => boolean,
  { concurrency = 4, pauseMs = 50, timeoutMs = 30_000 } = {},
): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop()) {
        count.sent++;
        const status = await chat(stack, model, timeoutMs);
        if (status === 200) count.ok++;
        else {
          count.failed++;
          count.byStatus[status] = (count.byStatus[status] ?? 0) + 1;
        }
        await sleep(pauseMs);
      }
    }),
  );
}

export function describeFailures(count: TrafficCount): string {
  const parts = Object.entries(count.byStatus).map(
    ([s, n]) => `${n}× ${s === '0' ? 'no answer' : `HTTP ${s}`}`,
  );
  return parts.length ? parts.join(', ') : 'none';
}
