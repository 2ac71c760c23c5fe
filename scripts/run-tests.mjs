#!/usr/bin/env node
// Runs compiled test files with node's test runner and prints one closing line for the whole run.
//
//   node scripts/run-tests.mjs unit            every workspace's dist/test/**/*.test.js, except test/e2e
//   node scripts/run-tests.mjs e2e             the whole-stack suite (test/e2e starts and stops the stack)
//   node scripts/run-tests.mjs unit <filter>   only files whose path contains <filter>
//
// A compiled test whose TypeScript source was deleted is skipped, so a stale dist/ never runs old tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const [suite = 'unit', filter = ''] = process.argv.slice(2);

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function workspaces() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return pkg.workspaces.map((w) => join(root, w));
}

function testFiles(dir) {
  return walk(join(dir, 'dist', 'test')).filter((file) => {
    const source = join(dir, relative(join(dir, 'dist'), file)).replace(/\.js$/, '.ts');
    return existsSync(source) && relative(root, file).includes(filter);
  });
}

if (suite === 'e2e') {
  const run = join(root, 'test', 'e2e', 'dist', 'src', 'run.js');
  const r = spawnSync(process.execPath, ['--enable-source-maps', run, filter], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const files = workspaces()
  .filter((w) => !w.endsWith('test/e2e'))
  .flatMap(testFiles);
if (files.length === 0) {
  console.error(`no ${suite} test files found${filter ? ` matching "${filter}"` : ''}; run the build first`);
  process.exit(1);
}
const outDir = join(root, 'test-output');
mkdirSync(outDir, { recursive: true });
const tap = join(outDir, `${suite}.tap`);
const r = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', cwd: root },
);
const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
console.log(`${suite}: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
process.exit(r.status ?? 1);
