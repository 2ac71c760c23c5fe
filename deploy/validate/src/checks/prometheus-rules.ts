/**
 * The PrometheusRule objects in deploy/k8s/base/monitoring/prometheus-rules are rendered from the same
 * TypeScript sources as the local rule files under observability/prometheus; these helpers read both
 * sides as rule groups so a test can require them to be equal, and run promtool on the rendered groups.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readYamlDocuments } from '../kustomize/render.js';
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Rule groups of the local rule files (every *.yml / *.yaml with a `groups` list under `dirs`). */
export function localRuleGroups(dirs: string[]): JsonObject[] {
  return dirs
    .flatMap((d) => walk(d))
    .flatMap((file) => readYamlDocuments(file))
    .flatMap((doc) => (Array.isArray(doc.groups) ? doc.groups.filter(isObject) : []));
}

/** Rule groups carried by PrometheusRule objects. */
export function prometheusRuleGroups(resources: JsonObject[]): JsonObject[] {
  return resources
    .filter((r) => r.kind === 'PrometheusRule')
    .flatMap((r) => {
      const groups = isObject(r.spec) ? r.spec.groups : undefined;
      return Array.isArray(groups) ? groups.filter(isObject) : [];
    });
}

/** YAML files of a directory other than its kustomization, and those its kustomization lists. */
export function ruleDirectoryListing(dir: string): { files: string[]; listed: string[] } {
  const files = readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n) && n !== 'kustomization.yaml')
    .sort();
  const [k] = readYamlDocuments(join(dir, 'kustomization.yaml'));
  const listed = (Array.isArray(k?.resources) ? k.resources.map(String) : []).sort();
  return { files, listed };
}

/** Runs `promtool check rules` on the groups; undefined when promtool is not installed. */
export function promtoolCheck(groups: JsonObject[]): { ok: boolean; output: string } | undefined {
  if (spawnSync('promtool', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'opsight-rules-'));
  try {
    const file = join(dir, 'rules.yml');
    writeFileSync(file, stringify({ groups }));
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
