import { join } from 'node:path';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';

/**
 * The API key the background traffic (and `opsight load`) uses: the first line of this file in the secrets
 * directory, written when the default key is created (`opsight keys`, or the API service's first start).
 */
export const DEFAULT_API_KEY_FILE = 'default-api-key';
/** An expired key for the expired-key scenario, when one was created. */
export const EXPIRED_API_KEY_FILE = 'expired-api-key';

/** Requests per second of the background traffic: enough for every dashboard to have data. */
export const BACKGROUND_RATE = 1;

/**
 * Gentle steady traffic through the gateway so that dashboards and alerts have live data. It waits for
 * the default API key and for the API to list its models, then sends until stopped; its ground truth is
 * rewritten every 10 s in var/data/loadgen/steady.json.
 */
export function loadgen(ctx: StackContext): ComponentSpec {
  return {
    name: 'loadgen',
    namespace: 'platform',
    command: process.execPath,
    args: [
      join(ctx.paths.root, 'services/loadgen/dist/src/bin/loadgen.js'),
      'steady',
      '--gateway',
      `http://127.0.0.1:${ctx.ports.gateway}`,
      '--rate',
      String(BACKGROUND_RATE),
      '--duration',
      '0',
      '--key-file',
      join(ctx.paths.secrets, DEFAULT_API_KEY_FILE),
      '--wait',
      '--out',
      join(ctx.paths.data, 'loadgen', 'steady.json'),
    ],
    dependsOn: ['gateway'],
    resources: { limits: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024 } },
  };
}
