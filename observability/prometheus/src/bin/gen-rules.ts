#!/usr/bin/env node
// Writes the rule files, their promtool tests and the Kubernetes objects from the TypeScript sources.
// `npm run gen` runs it; a unit test fails when a committed file differs from a fresh render.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOutputs } from '../render/outputs.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
for (const [path, content] of renderOutputs()) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
