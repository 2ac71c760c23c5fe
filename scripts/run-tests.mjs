#!/usr/bin/env node
// Runs compiled test files with node's test runner and prints one closing line for the whole run.
//
//   node scripts/run-tests.mjs unit            every workspace's dist/test/**/*.test.js, except test/e2e
//   node scripts/run-tests.mjs e2e             the whole-stack suite: starts one stack, runs test/e2e, stops it
//   node scripts/run-tests.mjs unit <filter>   only files whose path contains <filter>
//
// A compiled test whose TypeScript source was deleted is skipped, so a stale dist/ never runs old tests.
// Started by another node than the one scripts/bootstrap chose, it runs itself again under that one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { runUnderChosenNode } = createRequire(import.meta.url)('../apps/cli/bin/node-runtime.cjs');
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

function runNodeTests(files, concurrency) {
  const outDir = join(root, 'test-output');
  mkdirSync(outDir, { recursive: true });
  const tap = join(outDir, `${suite}.tap`);
  const r = spawnSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      `--test-concurrency=${concurrency}`,
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
  return r.status ?? 1;
}

if (!runUnderChosenNode(root, fileURLToPath(import.meta.url), 'run-tests')) main();

function main() {
  const e2eDir = join(root, 'test', 'e2e');
  if (suite === 'e2e') {
    // One stack for every whole-stack test: started here, shared, stopped by the last test (zz-shutdown)
    // or, if a test left it running, here.
    const node = (script) =>
      spawnSync(process.execPath, ['--enable-source-maps', join(e2eDir, 'dist', 'src', script)], {
        stdio: 'inherit',
      }).status;
    if (node('stack-up.js') !== 0) {
      console.log(`${suite}: 0 passed, 1 failed, 0 skipped`);
      process.exit(1);
    }
    // Sequential, in name order: the tests share the stack and the last one stops it.
    const status = runNodeTests(testFiles(e2eDir).sort(), 1);
    node('stack-down.js');
    process.exit(status);
  }

  const files = workspaces()
    .filter((w) => w !== e2eDir)
    .flatMap(testFiles);
  if (files.length === 0) {
    console.error(
      `no ${suite} test files found${filter ? ` matching "${filter}"` : ''}; run the build first`,
    );
    process.exit(1);
  }
  process.exit(runNodeTests(files, 2));
}
