export { validateManifest } from './checks/schemas.js';
export { workloadProblems } from './checks/workloads.js';
export { KustomizeError, readYamlDocuments, renderKustomization, resourceId } from './kustomize/render.js';
export type { Json, JsonObject } from './kustomize/strategic-merge.js';
export { strategicMerge } from './kustomize/strategic-merge.js';
export { OVERLAYS, repoRoot } from './paths.js';
