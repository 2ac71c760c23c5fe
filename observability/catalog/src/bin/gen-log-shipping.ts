#!/usr/bin/env node
// Writes the Alloy and Promtail configurations from the catalog's log rule. `npm run gen` runs it; a
// unit test fails when a committed file differs from a fresh render.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderLogShippingConfigs } from '../log-shipping-configs/render-log-shipping-configs.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
for (const { path, text } of renderLogShippingConfigs()) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${path}`);
}
