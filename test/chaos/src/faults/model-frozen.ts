/**
 * A model-serving instance frozen under traffic. Four clients send chat completions for `chat-fast`
 * through the gateway; after 3 s its instance (model-serving-0) is frozen with SIGSTOP for `frozenMs`, then
 * thawed with SIGCONT. `chat-fast` has a fallback on another instance (chat-small), so the router has a way
 * to serve every request within its retry budget: none may fail. Recovery: SIGCONT until the instance
 * answers its health check.
 */
import { describeFailures, newCount, traffic } from '../platform.js';
import { type FaultRow, failuresWithin, recoveredWithin } from '../row.js';
import { type ChaosStack, sleep, until } from '../stack.js';

export interface ModelFrozenOptions {
  /** How long the instance stays frozen, ms. @default 10000 */
  frozenMs?: number;
}

export async function modelFrozen(stack: ChaosStack, o: ModelFrozenOptions = {}): Promise<FaultRow> {
  const frozenMs = o.frozenMs ?? 10_000;
  const count = newCount();
  let done = false;
  const load = traffic(stack, 'chat-fast', count, () => done, { timeoutMs: 60_000 });
  let pid: number | undefined;
  let thawedAt = 0;
  try {
    await sleep(3000);
    pid = await stack.signal('model-serving-0', 'SIGSTOP');
    await sleep(frozenMs);
  } finally {
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    thawedAt = Date.now();
  }
  let recovery: number | null = null;
  try {
    await until('model-serving-0 healthy', 60_000, async () => {
      const res = await fetch(`http://127.0.0.1:${stack.ports.modelServing}/healthz`, {
        signal: AbortSignal.timeout(2000),
      });
      return res.ok;
    });
    recovery = (Date.now() - thawedAt) / 1000;
  } finally {
    await sleep(3000);
    done = true;
    await load;
  }
  return {
    fault: 'model-serving instance frozen',
    sent: count.sent,
    acknowledged: count.ok,
    present: null,
    lost: null,
    duplicated: null,
    requestsFailed: count.failed,
    recoverySeconds: recovery,
    targets: [
      failuresWithin(count.failed, 0, 'chat-fast falls back to chat-small on another instance'),
      recoveredWithin(recovery, 30, 'the instance healthy again'),
    ],
    note: `chat-fast through the gateway from 4 clients; model-serving-0 frozen (SIGSTOP) ${frozenMs / 1000} s, then SIGCONT; failures: ${describeFailures(count)}.`,
  };
}
