import { fileURLToPath } from 'node:url';

/** The repository root (this file is deploy/validate/dist/src/paths.js once compiled). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every overlay under deploy/k8s/overlays; the tests render and check each one. */
export const OVERLAYS = ['dev', 'prod', 'gpu', 'promtail', 'kube-prometheus-stack'] as const;
