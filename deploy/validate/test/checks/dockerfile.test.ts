import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dockerfileProblems } from '../../src/checks/dockerfile.js';
import { repoRoot } from '../../src/paths.js';

test('the services Dockerfile: named stages, existing sources, declared arguments, non-root final user', () => {
  assert.deepEqual(dockerfileProblems(join(repoRoot, 'deploy/compose/Dockerfile'), repoRoot), []);
});

test('the build context keeps what the build needs', () => {
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  for (const needed of [
    'package.json',
    'package-lock.json',
    'tsconfig.base.json',
    'libs',
    'observability',
    'runtime',
    'platform',
    'apps',
  ])
    assert.ok(!ignored.includes(needed), needed);
  assert.ok(ignored.includes('**/node_modules'));
});

test('a broken Dockerfile is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-dockerfile-'));
  try {
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM \${BASE}
RUN echo \${NOPE}
COPY missing.txt /x
COPY --from=later /a /b
FROM node:20 AS runtime
USER root
`,
    );
    const problems = dockerfileProblems(join(dir, 'Dockerfile'), dir).join('\n');
    for (const expected of [
      /stage without a name/,
      /BASE is not declared before FROM/,
      /NOPE is not an ARG of this stage/,
      /missing.txt does not exist/,
      /--from=later is not an earlier stage/,
      /non-root USER/,
    ])
      assert.match(problems, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
