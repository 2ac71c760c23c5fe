#!/usr/bin/env node
// Writes the configuration files the kustomizations read into the kustomize tree (config-files.ts) and
// removes stale ones. `npm run gen` runs it; a unit test fails when a committed copy differs.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { existingGeneratedFiles, k8sRoot, renderKustomizeFiles } from '../kustomize/config-files.js';

const files = renderKustomizeFiles();
for (const stale of existingGeneratedFiles(k8sRoot).filter((f) => !files.has(f))) {
  rmSync(join(k8sRoot, stale));
  console.log(`removed deploy/k8s/${stale}`);
}
for (const [path, content] of files) {
  const target = join(k8sRoot, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
console.log(`wrote ${files.size} files under deploy/k8s`);
