#!/usr/bin/env node
// `npm run chaos`: the fault suite on the running local stack (`npm run up` first).
//
//   npm run chaos [-- --only logstore-kill,redis-down] [--scale 0.25] [--out test-output]
//
// Prints one row per fault and the targets, writes <out>/chaos.json and <out>/chaos.md, and exits 1 when
// a row misses its target (2 when the suite could not run). The stack is found as the cli finds it
// (OPSIGHT_VAR_DIR, OPSIGHT_PORT_OFFSET, OPSIGHT_PORT_*).
import { join } from 'node:path';
import { atTarget } from '../row.js';
import { ChaosStack, repoRoot } from '../stack.js';
import { FAULTS, runSuite } from '../suite.js';
import { renderText, TARGETS, writeReport } from '../table.js';

function usage(message: string): never {
  process.stderr.write(
    `chaos: ${message}\nusage: npm run chaos [-- --only <fault,...>] [--scale <factor>] [--out <dir>]\nfaults: ${FAULTS.map((f) => f.name).join(', ')}\n`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
let only: string[] = [];
let scale = 1;
let out = join(repoRoot, 'test-output');
for (let i = 0; i < args.length; i++) {
  const value = () => args[++i] ?? usage(`${args[i - 1]} needs a value`);
  switch (args[i]) {
    case '--only':
      only = value().split(',').filter(Boolean);
      break;
    case '--scale':
      scale = Number(value());
      if (!(scale > 0 && scale <= 10)) usage('--scale must be a number in (0, 10]');
      break;
    case '--out':
      out = value();
      break;
    default:
      usage(`unknown argument ${args[i]}`);
  }
}

const startedAt = new Date();
let stack: ChaosStack;
try {
  stack = new ChaosStack();
} catch (err) {
  usage((err as Error).message);
}
const rows = await runSuite(stack, {
  only,
  scale,
  onRow: (row) =>
    process.stdout.write(
      `chaos: ${row.fault}: ${row.skipped ? `skipped (${row.skipped})` : atTarget(row) ? 'at target' : 'MISSED'}\n`,
    ),
}).catch((err: Error) => usage(err.message));
process.stdout.write(`\n${renderText(rows)}\n\nTargets: ${TARGETS.join('; ')}.\n`);
for (const row of rows)
  for (const t of row.targets.filter((x) => !x.met))
    process.stdout.write(`MISSED ${row.fault}: ${t.name}: ${t.detail}\n`);
const files = writeReport(out, rows, startedAt);
process.stdout.write(`written: ${files.join(', ')}\n`);
process.exit(rows.every(atTarget) ? 0 : 1);
