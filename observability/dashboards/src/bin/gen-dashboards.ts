#!/usr/bin/env node
// Writes observability/dashboards/generated/*.json from the TypeScript sources. `npm run gen` runs it; a
// unit test fails when a committed file differs from a fresh render.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIR, renderDashboards } from '../render.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const files = renderDashboards();
const dir = join(root, GENERATED_DIR);
mkdirSync(dir, { recursive: true });
const keep = new Set(files.map((f) => join(root, f.path)));
for (const name of readdirSync(dir)) if (!keep.has(join(dir, name))) rmSync(join(dir, name));
for (const file of files) {
  mkdirSync(dirname(join(root, file.path)), { recursive: true });
  writeFileSync(join(root, file.path), file.text);
  console.log(`wrote ${file.path}`);
}
