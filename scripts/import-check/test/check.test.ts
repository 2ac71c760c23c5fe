import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkImports, findCycles } from '../src/index.js';
import { withRepo } from './fixture.js';

const lib = {
  dir: 'libs/a',
  name: '@x/a',
  dependencies: { yaml: '1.0.0' },
  references: [],
  files: {
    'src/index.ts': "import { parse } from 'yaml';\nimport { readFileSync } from 'node:fs';\nimport 'fs';\n",
  },
};

test('a repository whose imports are all declared, acyclic and downward passes', () => {
  const problems = withRepo(
    [
      lib,
      {
        dir: 'platform/b',
        name: '@x/b',
        dependencies: { '@x/a': '0.1.0' },
        devDependencies: { fastify: '5.0.0' },
        references: ['../../libs/a'],
        files: {
          'src/index.ts':
            "export { parse } from '@x/a';\nimport { b } from './b.js';\nimport { self } from '@x/b/sub';\n",
          'src/b.ts': 'export const b = 1;\n',
          'test/b.test.ts': "import Fastify from 'fastify';\nimport { b } from '../src/b.js';\n",
        },
      },
    ],
    checkImports,
  );
  assert.deepEqual(problems, []);
});

test('an undeclared third-party or workspace import names file, line, import and package', () => {
  const problems = withRepo(
    [
      lib,
      {
        dir: 'platform/b',
        name: '@x/b',
        references: [],
        files: { 'src/index.ts': "// header\nimport { a } from '@x/a/sub';\nimport pg from 'pg';\n" },
      },
    ],
    checkImports,
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.where]),
    [
      ['undeclared-import', 'platform/b/src/index.ts:2'],
      ['undeclared-import', 'platform/b/src/index.ts:3'],
    ],
  );
  assert.match(
    problems[0]!.message,
    /import '@x\/a\/sub': @x\/b does not declare @x\/a; declare it in platform\/b\/package.json \(dependencies\)/,
  );
  assert.match(problems[1]!.message, /@x\/b does not declare pg/);
});

test('a devDependency serves test/ files only', () => {
  const problems = withRepo(
    [
      {
        dir: 'apps/c',
        name: '@x/c',
        devDependencies: { yaml: '1.0.0' },
        files: { 'src/index.ts': "import 'yaml';\n", 'test/c.test.ts': "import 'yaml';\n" },
      },
    ],
    checkImports,
  );
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.where, 'apps/c/src/index.ts:1');
  assert.match(problems[0]!.message, /only a devDependency, which test\/ files alone may use/);
});

test('types from @types/<name> satisfy an import of <name>', () => {
  const problems = withRepo(
    [
      {
        dir: 'apps/c',
        name: '@x/c',
        dependencies: { '@types/pg': '8.0.0', '@types/scope__lib': '1.0.0' },
        files: { 'src/index.ts': "import type pg from 'pg';\nimport type { L } from '@scope/lib';\n" },
      },
    ],
    checkImports,
  );
  assert.deepEqual(problems, []);
});

test('a relative path into another package is refused; one inside the package is fine', () => {
  const problems = withRepo(
    [
      lib,
      {
        dir: 'platform/b',
        name: '@x/b',
        files: {
          'src/index.ts':
            "import { x } from '../../../libs/a/src/index.js';\nimport { y } from '../test/y.js';\n",
          'test/y.ts': 'export const y = 1;\n',
        },
      },
    ],
    checkImports,
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.where]),
    [['relative-escape', 'platform/b/src/index.ts:1']],
  );
  assert.match(problems[0]!.message, /'\.\.\/\.\.\/\.\.\/libs\/a\/src\/index\.js' reaches outside @x\/b/);
});

test('an arrow up the layers is refused, as declared, even without an import', () => {
  const problems = withRepo(
    [
      { dir: 'libs/a', name: '@x/a', devDependencies: { '@x/cli': '0.1.0' } },
      { dir: 'apps/cli', name: '@x/cli' },
    ],
    checkImports,
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.where]),
    [['wrong-arrow', 'libs/a/package.json']],
  );
  assert.match(problems[0]!.message, /@x\/a \(libs\/a\) depends on @x\/cli \(apps\/cli\)/);
});

test('a cycle between workspace packages is named package by package', () => {
  const problems = withRepo(
    [
      { dir: 'platform/a', name: '@x/a', dependencies: { '@x/b': '0.1.0' } },
      { dir: 'platform/b', name: '@x/b', dependencies: { '@x/c': '0.1.0' } },
      { dir: 'platform/c', name: '@x/c', devDependencies: { '@x/a': '0.1.0' } },
    ],
    checkImports,
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.message]),
    [['cycle', 'dependency cycle: @x/a → @x/b → @x/c → @x/a']],
  );
});

test('a workspace dependency without a tsconfig reference, and a package outside every layer', () => {
  const problems = withRepo(
    [
      { ...lib, files: {} },
      { dir: 'platform/b', name: '@x/b', dependencies: { '@x/a': '0.1.0' }, references: [] },
      { dir: 'packages/d', name: '@x/d' },
    ],
    checkImports,
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.where]),
    [
      ['no-layer', 'packages/d/package.json'],
      ['missing-reference', 'platform/b/tsconfig.json'],
    ],
  );
});

test('findCycles finds each strongly connected group once, and none in a tree', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['a', 'c']],
    ['c', ['d']],
    ['d', ['c']],
    ['e', ['a']],
  ]);
  assert.deepEqual(findCycles(graph), [
    ['c', 'd', 'c'],
    ['a', 'b', 'a'],
  ]);
  assert.deepEqual(
    findCycles(
      new Map([
        ['a', ['b', 'c']],
        ['b', ['c']],
        ['c', []],
      ]),
    ),
    [],
  );
});
