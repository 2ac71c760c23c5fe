import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is deploy/validate/dist/src/paths.js once compiled). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every overlay under deploy/k8s/overlays; the tests render and check each one. */
export const OVERLAYS = ['dev', 'prod', 'gpu', 'promtail', 'kube-prometheus-stack'] as const;

/**
 * The directory of an overlay, with its generated secrets in place: an overlay that has an
 * `init-secrets` script (dev) reads its passwords from git-ignored files that the script creates;
 * it is run first (it keeps existing files), as a person building the overlay does.
 */
export function overlayDir(overlay: string): string {
  const dir = join(repoRoot, 'deploy/k8s/overlays', overlay);
  const script = join(dir, 'init-secrets');
  if (existsSync(script))
    execFileSync(script, [], { stdio: 'ignore', env: { ...process.env, OPSIGHT_SECRETS_DIR: '' } });
  return dir;
}
