#!/usr/bin/env node
// Checks the imports of every workspace package: each one declared in its package.json, no cycle
// between workspace packages, every arrow from a higher layer to a lower one. Run by `npm test`.
//
//   node scripts/import-check/dist/src/bin/check-imports.js [--root DIR]
import { parseArgs } from 'node:util';
import { checkImports } from '../check.js';

const { values } = parseArgs({ options: { root: { type: 'string' } } });
const root = values.root ?? new URL('../../../../../', import.meta.url).pathname;
const problems = checkImports(root);
for (const p of problems) console.error(`${p.where}: ${p.message} [${p.code}]`);
console.log(`import-check: ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}`);
process.exitCode = problems.length === 0 ? 0 : 1;
