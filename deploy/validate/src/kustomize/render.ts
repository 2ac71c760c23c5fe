/**
 * A small renderer for the kustomize subset that deploy/k8s uses, so `npm test` can build every
 * overlay without the kustomize binary. Supported fields: resources (files and directories),
 * namespace, labels (pairs, includeTemplates), configMapGenerator and secretGenerator (files,
 * literals), generatorOptions.disableNameSuffixHash, patches (file or inline strategic merge, with an
 * optional kind/name target) and images. Any other field is an error, so a kustomization never
 * means more to kubectl than it does here. Like kustomize's default load restrictor, every file a
 * kustomization reads (a file resource, a generator file, a patch) must lie in or below its directory;
 * only directories (other kustomizations) may be elsewhere. When kubectl is installed, the tests compare
 * this renderer's output with `kubectl kustomize`, run without `--load-restrictor`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject, type JsonObject, strategicMerge } from './strategic-merge.js';

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'labels',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'patches',
  'images',
]);

/** Kinds that live outside any namespace: the namespace transformer leaves them alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
]);

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** Thrown for a kustomization this renderer cannot build; names the file and the reason. */
export class KustomizeError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'KustomizeError';
  }
}

/** Parses every document of a YAML file; empty documents are dropped. */
export function readYamlDocuments(file: string): JsonObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: JsonObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new KustomizeError(file, doc.errors[0]!.message);
    const value = doc.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new KustomizeError(file, 'a document is not a mapping');
    out.push(value);
  }
  return out;
}

function kustomizationFile(dir: string): string {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new KustomizeError(dir, 'no kustomization.yaml in this directory');
}

function asArray(file: string, value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new KustomizeError(file, `${field} must be a list`);
  return value;
}

/**
 * The path of a file a kustomization reads, refused when it is outside the kustomization's directory
 * (kustomize's LoadRestrictionsRootOnly, the default that `kubectl apply -k` and GitOps tools use).
 */
function fileInRoot(file: string, dir: string, entry: string, what: string): string {
  const path = resolve(dir, entry);
  const rel = relative(dir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new KustomizeError(file, `${what} ${entry} is outside the kustomization's directory`);
  return path;
}

function generatorData(file: string, dir: string, spec: JsonObject): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  for (const entry of asArray(file, spec.files, 'files')) {
    if (typeof entry !== 'string') throw new KustomizeError(file, 'files entries must be strings');
    const eq = entry.indexOf('=');
    const key = eq >= 0 ? entry.slice(0, eq) : basename(entry);
    const path = fileInRoot(file, dir, eq >= 0 ? entry.slice(eq + 1) : entry, 'generator file');
    if (!existsSync(path)) throw new KustomizeError(file, `generator file ${entry} does not exist`);
    data[key] = readFileSync(path);
  }
  for (const entry of asArray(file, spec.literals, 'literals')) {
    if (typeof entry !== 'string' || !entry.includes('='))
      throw new KustomizeError(file, `literal ${String(entry)} is not key=value`);
    const eq = entry.indexOf('=');
    data[entry.slice(0, eq)] = Buffer.from(entry.slice(eq + 1));
  }
  return data;
}

function generatedMetadata(spec: JsonObject): JsonObject {
  return typeof spec.namespace === 'string'
    ? { name: spec.name!, namespace: spec.namespace }
    : { name: spec.name! };
}

function generate(file: string, dir: string, k: JsonObject): JsonObject[] {
  const options = isObject(k.generatorOptions) ? k.generatorOptions : {};
  const generators = k.configMapGenerator !== undefined || k.secretGenerator !== undefined;
  if (generators && options.disableNameSuffixHash !== true)
    throw new KustomizeError(file, 'generators need generatorOptions.disableNameSuffixHash: true here');
  const out: JsonObject[] = [];
  for (const spec of asArray(file, k.configMapGenerator, 'configMapGenerator')) {
    if (!isObject(spec) || typeof spec.name !== 'string')
      throw new KustomizeError(file, 'configMapGenerator entry without name');
    const data = Object.fromEntries(
      Object.entries(generatorData(file, dir, spec)).map(([key, v]) => [key, v.toString('utf8')]),
    );
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: generatedMetadata(spec),
      ...(Object.keys(data).length > 0 ? { data } : {}),
    });
  }
  for (const spec of asArray(file, k.secretGenerator, 'secretGenerator')) {
    if (!isObject(spec) || typeof spec.name !== 'string')
      throw new KustomizeError(file, 'secretGenerator entry without name');
    const data = Object.fromEntries(
      Object.entries(generatorData(file, dir, spec)).map(([key, v]) => [key, v.toString('base64')]),
    );
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: generatedMetadata(spec),
      type: typeof spec.type === 'string' ? spec.type : 'Opaque',
      data,
    });
  }
  return out;
}

function metadata(resource: JsonObject): JsonObject {
  if (!isObject(resource.metadata)) resource.metadata = {};
  return resource.metadata as JsonObject;
}

function applyPatches(file: string, dir: string, k: JsonObject, resources: JsonObject[]): JsonObject[] {
  let out = resources;
  for (const entry of asArray(file, k.patches, 'patches')) {
    if (!isObject(entry)) throw new KustomizeError(file, 'a patch must be a mapping');
    const docs =
      typeof entry.path === 'string'
        ? readYamlDocuments(fileInRoot(file, dir, entry.path, 'patch'))
        : typeof entry.patch === 'string'
          ? parseAllDocuments(entry.patch).map((d) => d.toJSON() as JsonObject)
          : [];
    if (docs.length !== 1) throw new KustomizeError(file, 'each patch must hold exactly one document');
    const patch = docs[0]!;
    const target = isObject(entry.target) ? entry.target : undefined;
    const kind = target ? target.kind : patch.kind;
    const name = target ? target.name : metadata(patch).name;
    let matched = 0;
    const next: JsonObject[] = [];
    for (const resource of out) {
      const hit = resource.kind === kind && (name === undefined || metadata(resource).name === name);
      if (!hit) {
        next.push(resource);
        continue;
      }
      matched++;
      const body = target ? { ...patch, kind: resource.kind, metadata: undefined } : patch;
      if (target) delete body.metadata;
      const merged = strategicMerge(resource, body as JsonObject);
      if (merged) next.push(merged);
    }
    if (matched === 0)
      throw new KustomizeError(file, `patch ${String(entry.path ?? 'inline')} matches no resource`);
    out = next;
  }
  return out;
}

function podSpecs(resource: JsonObject): JsonObject[] {
  const spec = isObject(resource.spec) ? resource.spec : undefined;
  if (!spec) return [];
  if (resource.kind === 'Pod') return [spec];
  if (WORKLOADS.has(String(resource.kind)) && isObject(spec.template) && isObject(spec.template.spec))
    return [spec.template.spec];
  return [];
}

function applyImages(file: string, k: JsonObject, resources: JsonObject[]): void {
  for (const entry of asArray(file, k.images, 'images')) {
    if (!isObject(entry) || typeof entry.name !== 'string')
      throw new KustomizeError(file, 'images entry without name');
    for (const pod of resources.flatMap(podSpecs)) {
      for (const list of [pod.containers, pod.initContainers]) {
        for (const c of Array.isArray(list) ? list : []) {
          if (!isObject(c) || typeof c.image !== 'string') continue;
          const at = c.image.lastIndexOf(':');
          const hasTag = at > c.image.lastIndexOf('/');
          const imageName = hasTag ? c.image.slice(0, at) : c.image;
          if (imageName !== entry.name) continue;
          const newName = typeof entry.newName === 'string' ? entry.newName : imageName;
          const tag = typeof entry.newTag === 'string' ? entry.newTag : hasTag ? c.image.slice(at + 1) : '';
          c.image = tag ? `${newName}:${tag}` : newName;
        }
      }
    }
  }
}

function applyLabels(file: string, k: JsonObject, resources: JsonObject[]): void {
  for (const entry of asArray(file, k.labels, 'labels')) {
    if (!isObject(entry) || !isObject(entry.pairs))
      throw new KustomizeError(file, 'labels entry without pairs');
    if (entry.includeSelectors === true)
      throw new KustomizeError(file, 'labels.includeSelectors is not supported');
    for (const resource of resources) {
      const meta = metadata(resource);
      meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), ...entry.pairs };
      if (entry.includeTemplates === true && isObject(resource.spec) && isObject(resource.spec.template)) {
        const tmeta = metadata(resource.spec.template);
        tmeta.labels = { ...(isObject(tmeta.labels) ? tmeta.labels : {}), ...entry.pairs };
      }
      // kustomize labels a StatefulSet's volume claim templates along with its pod template.
      if (entry.includeTemplates === true && resource.kind === 'StatefulSet' && isObject(resource.spec)) {
        for (const claim of Array.isArray(resource.spec.volumeClaimTemplates)
          ? resource.spec.volumeClaimTemplates
          : []) {
          if (!isObject(claim)) continue;
          const cmeta = metadata(claim);
          cmeta.labels = { ...(isObject(cmeta.labels) ? cmeta.labels : {}), ...entry.pairs };
        }
      }
    }
  }
}

/** Renders the kustomization in `dir` (a directory holding kustomization.yaml) to its resources. */
export function renderKustomization(dir: string): JsonObject[] {
  const file = kustomizationFile(dir);
  const docs = readYamlDocuments(file);
  if (docs.length !== 1) throw new KustomizeError(file, 'expected one document');
  const k = docs[0]!;
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new KustomizeError(file, `field ${key} is not supported by this renderer`);
  }
  let resources: JsonObject[] = [];
  for (const entry of asArray(file, k.resources, 'resources')) {
    if (typeof entry !== 'string') throw new KustomizeError(file, 'resources entries must be paths');
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new KustomizeError(file, `resource ${entry} does not exist`);
    resources.push(
      ...(statSync(path).isDirectory()
        ? renderKustomization(path)
        : readYamlDocuments(fileInRoot(file, dir, entry, 'resource'))),
    );
  }
  resources.push(...generate(file, dirname(file), k));
  resources = applyPatches(file, dir, k, resources);
  if (typeof k.namespace === 'string') {
    for (const resource of resources) {
      if (!CLUSTER_SCOPED.has(String(resource.kind))) metadata(resource).namespace = k.namespace;
    }
  }
  applyLabels(file, k, resources);
  applyImages(file, k, resources);
  const seen = new Set<string>();
  for (const resource of resources) {
    const id = resourceId(resource);
    if (seen.has(id)) throw new KustomizeError(file, `${id} is defined twice`);
    seen.add(id);
  }
  return resources;
}

/** `kind/namespace/name`, the identity kustomize uses to tell resources apart. */
export function resourceId(resource: JsonObject): string {
  const meta = isObject(resource.metadata) ? resource.metadata : {};
  return `${String(resource.kind)}/${String(meta.namespace ?? '')}/${String(meta.name)}`;
}
