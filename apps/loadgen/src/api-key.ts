import { readFileSync } from 'node:fs';

/** The key in `file` (first line, trimmed), or undefined when the file does not exist or is empty. */
export function readKeyFile(file: string): string | undefined {
  try {
    const key = readFileSync(file, 'utf8').split('\n')[0]?.trim();
    return key || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Waits for a key to appear in `file` (created by `opsight keys` or the API service's first start),
 * checking every `intervalMs`; calls `onWait` once when it has to wait. Resolves undefined if aborted.
 */
export async function waitForKeyFile(
  file: string,
  options: { intervalMs?: number; signal?: AbortSignal; onWait?: () => void } = {},
): Promise<string | undefined> {
  let told = false;
  while (!options.signal?.aborted) {
    const key = readKeyFile(file);
    if (key) return key;
    if (!told) {
      told = true;
      options.onWait?.();
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 5_000));
  }
  return undefined;
}
