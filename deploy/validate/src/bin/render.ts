#!/usr/bin/env node
// Renders a deploy/k8s kustomization with the built-in renderer and prints the manifests as YAML, or
// with --check validates them (schemas, workload rules, NetworkPolicy isolation) and prints problems:
//   node deploy/validate/dist/src/bin/render.js deploy/k8s/overlays/prod [--check]
// Exit status: 0 when rendered (and, with --check, valid), 1 on problems, 2 on a usage error.
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { validateManifest } from '../checks/schemas.js';
import { workloadProblems } from '../checks/workloads.js';
import { KustomizeError, renderKustomization, resourceId } from '../kustomize/render.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const dirs = args.filter((a) => a !== '--check');
if (dirs.length !== 1) {
  process.stderr.write('usage: render <kustomization directory> [--check]\n');
  process.exit(2);
}
try {
  const resources = renderKustomization(resolve(dirs[0]!));
  if (!check) {
    process.stdout.write(resources.map((r) => stringify(r)).join('---\n'));
    process.exit(0);
  }
  const problems = [
    ...resources.flatMap((r) => validateManifest(r).map((p) => `${resourceId(r)}: ${p}`)),
    ...workloadProblems(resources, [
      'Secret/opsight/postgres-credentials',
      'Secret/monitoring/grafana-admin',
    ]),
  ];
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.stdout.write(`${resources.length} resources, ${problems.length} problems\n`);
  process.exit(problems.length === 0 ? 0 : 1);
} catch (error) {
  if (error instanceof KustomizeError) {
    process.stderr.write(`render: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
