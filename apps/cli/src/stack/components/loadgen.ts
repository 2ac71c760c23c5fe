import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyAdminClient } from '@opsight/api-service/admin';
import { loadgenWorkload } from '@opsight/loadgen/workload';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';
import { workloadSpec } from '../workload-spec.js';
import { MODEL_SERVING_INSTANCES } from './models.js';

/**
 * The API key the background traffic, `opsight load` and the gateway benchmark use: the first line of
 * this file in the secrets directory, created by {@link ensureLoadgenKey} when `opsight up` is ready.
 */
export const LOADGEN_API_KEY_FILE = 'loadgen-api-key';
/** An expired key (user `loadgen`) for the expired-key scenario of `opsight load`. */
export const EXPIRED_API_KEY_FILE = 'expired-api-key';

/**
 * Creates, when their files do not exist yet, the load generator's API key (user `loadgen`, limits high
 * enough for `opsight load` and the benchmark) and an expired key of the same user for the expired-key
 * scenario, and writes each to its file in the secrets directory (mode 0600). Returns the first file.
 */
export async function ensureLoadgenKey(ctx: StackContext, admin: KeyAdminClient): Promise<string> {
  const file = join(ctx.paths.secrets, LOADGEN_API_KEY_FILE);
  const expiredFile = join(ctx.paths.secrets, EXPIRED_API_KEY_FILE);
  if (!existsSync(file)) {
    const created = await admin.create({
      user_id: 'loadgen',
      name: 'loadgen',
      rpm_limit: 1_000_000,
      tpm_limit: 100_000_000,
    });
    writeFileSync(file, `${created.secret}\n`, { mode: 0o600 });
  }
  if (!existsSync(expiredFile)) {
    // Keys are created with a lifetime; one of 1 ms has expired by the time anything uses it.
    const expired = await admin.create({
      user_id: 'loadgen',
      name: 'loadgen-expired',
      expires_in_seconds: 0.001,
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    writeFileSync(expiredFile, `${expired.secret}\n`, { mode: 0o600 });
  }
  return file;
}

/** Requests per second of the background traffic: enough for every dashboard to have data. */
export const BACKGROUND_RATE = 1;

/**
 * The models the background traffic uses: each model-serving instance's main model. The extra ones
 * (chat-instant) get no background traffic, so a benchmark or a test that uses them sees only its own.
 */
export const BACKGROUND_MODELS = MODEL_SERVING_INSTANCES.map((i) => i.model);

/**
 * Gentle steady traffic through the gateway so that dashboards and alerts have live data. It waits for
 * the default API key and for the API to list its models, then sends until stopped; its ground truth is
 * rewritten every 10 s in var/data/loadgen/steady.json.
 */
export function loadgen(ctx: StackContext): ComponentSpec {
  return workloadSpec(loadgenWorkload, {
    ports: {},
    args: [
      'steady',
      '--gateway',
      `http://127.0.0.1:${ctx.ports.gateway}`,
      '--rate',
      String(BACKGROUND_RATE),
      '--duration',
      '0',
      '--key-file',
      join(ctx.paths.secrets, LOADGEN_API_KEY_FILE),
      '--models',
      BACKGROUND_MODELS.join(','),
      '--wait',
      '--out',
      join(ctx.paths.data, 'loadgen', 'steady.json'),
    ],
    dependsOn: ['gateway'],
  });
}
