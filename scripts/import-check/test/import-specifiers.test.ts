import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importSpecifiers, packageOf, withoutComments } from '../src/index.js';

test('every way of naming a module is found, with its line', () => {
  const text = [
    "import { a } from '@opsight/contracts/proto';",
    "import type { B } from 'yaml';",
    "export { c } from './c.js';",
    "import 'side-effect';",
    "const d = await import('fastify');",
    "const e = require('pg');",
    "const f = import.meta.resolve('@opsight/catalog/package.json');",
    'const g = require.resolve("ioredis");',
    "// import { h } from 'in-a-comment';",
    "const i = 'from \\'not-an-import\\'';",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test holds a template literal
    "const j = `import 'in-a-template' ${require('in-a-substitution')} ${`import('nested')`}`;",
    "const k = /import 'in-a-regex'/.test(x) ? a / b : c;",
    '/* import \'in-a-block-comment\' */ export * from "./star.js";',
    "export type { T } from './types.js';",
    "import config = require('legacy');",
    'import {',
    '  l,',
    '  m,',
    "} from '@opsight/multi-line';",
    "x.import('not-a-module'); obj.require('neither');",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text), [
    { specifier: '@opsight/contracts/proto', line: 1 },
    { specifier: 'yaml', line: 2 },
    { specifier: './c.js', line: 3 },
    { specifier: 'side-effect', line: 4 },
    { specifier: 'fastify', line: 5 },
    { specifier: 'pg', line: 6 },
    { specifier: '@opsight/catalog/package.json', line: 7 },
    { specifier: 'ioredis', line: 8 },
    { specifier: 'in-a-substitution', line: 11 },
    { specifier: './star.js', line: 13 },
    { specifier: './types.js', line: 14 },
    { specifier: 'legacy', line: 15 },
    { specifier: '@opsight/multi-line', line: 19 },
  ]);
});

test('the package of a specifier: scope and name, nothing for paths, URLs and subpath imports', () => {
  assert.equal(packageOf('@opsight/contracts/proto'), '@opsight/contracts');
  assert.equal(packageOf('@opsight/contracts'), '@opsight/contracts');
  assert.equal(packageOf('yaml/util'), 'yaml');
  assert.equal(packageOf('fastify'), 'fastify');
  for (const s of ['./x.js', '../x.js', '..', '/abs/x.js', 'node:fs', 'file:///x.js', '#internal']) {
    assert.equal(packageOf(s), undefined, s);
  }
});

test('comments are blanked out of JSON with comments, strings and line numbers kept', () => {
  const text = '{\n  // the build graph\n  "a": "http://x/*y*/", /* b */ "c": 1\n}\n';
  assert.deepEqual(JSON.parse(withoutComments(text)), { a: 'http://x/*y*/', c: 1 });
  assert.equal(withoutComments(text).split('\n').length, text.split('\n').length);
});
