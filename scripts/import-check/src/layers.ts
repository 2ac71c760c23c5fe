/**
 * The layers of the repository, by top-level folder, lowest first. A package may depend on packages of a
 * lower layer and on packages in its own folder; never on a higher layer, and never across two folders
 * of the same layer (runtime and platform do not know each other).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['libs'],
  ['observability'],
  ['runtime', 'platform'],
  ['apps'],
  ['test', 'bench', 'deploy', 'scripts'],
];

/** The layer (index into {@link LAYERS}) of a workspace folder such as `platform/api-service`, if any. */
export function layerOf(workspaceDir: string): number | undefined {
  const top = workspaceDir.split('/')[0] ?? '';
  const index = LAYERS.findIndex((folders) => folders.includes(top));
  return index < 0 ? undefined : index;
}

/** Whether a package in folder `from` may depend on one in folder `to` (both relative to the root). */
export function arrowAllowed(from: string, to: string): boolean {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === undefined || b === undefined) return false;
  return b < a || from.split('/')[0] === to.split('/')[0];
}
