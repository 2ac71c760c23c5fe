#!/usr/bin/env node
// Writes docs/reference/workloads.md from the workload descriptors. `npm run gen` runs it; a unit test fails
// when the committed page differs from a fresh render.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../root.js';
import { renderWorkloadsReference, WORKLOADS_REFERENCE_PATH } from '../stack/workloads-reference.js';

const target = join(repoRoot(), WORKLOADS_REFERENCE_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderWorkloadsReference());
console.log(`wrote ${WORKLOADS_REFERENCE_PATH}`);
