/**
 * A platform dependency down (Redis, or the PostgreSQL primary). A few requests go through the gateway
 * first, so the API key is one used just before; then the component is stopped through the supervisor,
 * requests keep coming from four clients for `downMs`, and it is started again. Every request answered
 * with anything but 200, or not within its deadline, counts as failed. Neither fault leaves the platform
 * without a way to serve a known key (rate limits fail open, the cache is bypassed, recently seen keys
 * authenticate from memory), so none may fail. Recovery: the start until the component is ready.
 */
import { describeFailures, newCount, traffic } from '../platform.js';
import { type FaultRow, failuresWithin, recoveredWithin } from '../row.js';
import type { ChaosStack } from '../stack.js';

export interface DependencyDownOptions {
  /** How long the dependency stays down, ms. @default 10000 */
  downMs?: number;
  /** Model the requests ask for. @default 'chat-instant' */
  model?: string;
}

export async function dependencyDown(
  stack: ChaosStack,
  component: 'redis' | 'postgres-primary',
  o: DependencyDownOptions = {},
): Promise<FaultRow> {
  const model = o.model ?? 'chat-instant';
  const before = newCount();
  let warm = 0;
  await traffic(stack, model, before, () => warm++ >= 5, { concurrency: 1 });
  const count = newCount();
  let stopAt = Number.POSITIVE_INFINITY;
  const load = traffic(stack, model, count, () => Date.now() > stopAt, { timeoutMs: 15_000 });
  try {
    await stack.stop(component);
    stopAt = Date.now() + (o.downMs ?? 10_000);
    await load;
  } finally {
    stopAt = 0;
    await load;
    const c = await stack.component(component);
    if (c.state === 'Stopped') await stack.start(component);
  }
  const startedAt = Date.now();
  await stack.waitReady(component, 120_000);
  const recovery = (Date.now() - startedAt) / 1000;
  const what = component === 'redis' ? 'Redis' : 'PostgreSQL primary';
  return {
    fault: `${what} down`,
    sent: count.sent,
    acknowledged: count.ok,
    present: null,
    lost: null,
    duplicated: null,
    requestsFailed: count.failed,
    recoverySeconds: recovery,
    targets: [
      failuresWithin(count.failed, 0, `${what} down leaves a way to serve a known key`),
      recoveredWithin(recovery, 60, `${what} ready again`),
    ],
    note: `${model} chat completions through the gateway with a key used just before (warm-up: ${before.ok}/${before.sent} ok), while ${what} was stopped (${(o.downMs ?? 10_000) / 1000} s); failures: ${describeFailures(count)}.`,
  };
}
