import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComponentSpec } from '../src/spec.js';
import { Supervisor } from '../src/supervisor.js';

/** A node one-liner as a component command. */
export function nodeScript(name: string, code: string, extra: Partial<ComponentSpec> = {}): ComponentSpec {
  return { name, command: process.execPath, args: ['-e', code], terminationGracePeriodMs: 2000, ...extra };
}

/** A supervisor on an ephemeral port with a temporary log directory; `dispose` stops it and cleans up. */
export async function startSupervisor(
  components: ComponentSpec[],
  extra: { lockFile?: string; sampleIntervalMs?: number } = {},
): Promise<{ supervisor: Supervisor; logDir: string; dispose: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-supervisor-'));
  const logDir = join(dir, 'pods');
  const supervisor = new Supervisor({
    components,
    logDir,
    listen: { port: 0 },
    sampleIntervalMs: 200,
    ...extra,
  });
  await supervisor.start();
  return {
    supervisor,
    logDir,
    dispose: async () => {
      await supervisor.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `predicate` holds, polling every 50 ms; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  predicate: () => T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function metricsText(supervisor: Supervisor): Promise<string> {
  const res = await fetch(`${supervisor.url}/metrics`);
  return res.text();
}

/** Value of the first sample of `name` whose labels include every `labels` pair. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}
