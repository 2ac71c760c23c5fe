#!/usr/bin/env node
// Writes docs/reference/telemetry.md from the catalog. `npm run gen` runs it; a unit test fails when the
// committed page differs from a fresh render.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_PATH, renderTelemetryReference } from '../reference/render-telemetry-reference.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const target = join(root, REFERENCE_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderTelemetryReference());
console.log(`wrote ${REFERENCE_PATH}`);
