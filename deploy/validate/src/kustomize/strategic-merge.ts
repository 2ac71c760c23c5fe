/**
 * The subset of Kubernetes strategic merge patch that the deploy/ overlays use:
 * maps merge key by key, `null` deletes a key, lists of objects that all carry `name` merge item by
 * item on `name` (containers, env, volumes, volumeMounts, ports), any other list is replaced, and a
 * top-level `$patch: delete` removes the whole resource (returned as `undefined`).
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNamedList(value: Json[]): value is JsonObject[] {
  return value.length > 0 && value.every((item) => isObject(item) && typeof item.name === 'string');
}

function mergeList(target: Json[], patch: Json[]): Json[] {
  if (!isNamedList(patch) || !(target.length === 0 || isNamedList(target))) return structuredClone(patch);
  // As kubectl kustomize orders them: the patch's items first (merged with their originals), then
  // the originals the patch does not name.
  const originals = structuredClone(target) as JsonObject[];
  const out: JsonObject[] = [];
  for (const item of patch) {
    const original = originals.find((existing) => existing.name === item.name);
    if (item.$patch !== 'delete')
      out.push(original ? (mergeValue(original, item) as JsonObject) : structuredClone(item));
  }
  const named = new Set(patch.map((item) => item.name));
  out.push(...originals.filter((existing) => !named.has(existing.name)));
  return out;
}

function mergeValue(target: Json, patch: Json): Json {
  if (isObject(target) && isObject(patch)) {
    const out: JsonObject = structuredClone(target);
    for (const [key, value] of Object.entries(patch)) {
      if (key === '$patch') continue;
      if (value === null) delete out[key];
      else if (key in out) out[key] = mergeValue(out[key]!, value);
      else out[key] = structuredClone(value);
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch)) return mergeList(target, patch);
  return structuredClone(patch);
}

/** Applies `patch` to `target`; `undefined` when the patch deletes the resource. */
export function strategicMerge(target: JsonObject, patch: JsonObject): JsonObject | undefined {
  if (patch.$patch === 'delete') return undefined;
  return mergeValue(target, patch) as JsonObject;
}
