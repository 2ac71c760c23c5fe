import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDashboardSchema } from '../../src/check/dashboard-schema.js';
import { renderDashboards } from '../../src/render.js';

// biome-ignore lint/suspicious/noExplicitAny: the test mutates arbitrary parts of the JSON model.
type Model = Record<string, any>;

const valid = () => JSON.parse(renderDashboards()[1]?.text ?? '') as Model;

test('a generated dashboard passes', () => {
  assert.deepEqual(checkDashboardSchema(valid()), []);
});

test('each kind of defect is reported with its path', () => {
  const cases: [string, (m: Model) => void, RegExp][] = [
    ['not an object', () => {}, /^\$: not an object/],
    ['uid', (m) => (m.uid = 'has spaces'), /^uid:/],
    ['title', (m) => (m.title = ''), /^title:/],
    ['schemaVersion', (m) => (m.schemaVersion = 20), /^schemaVersion:/],
    ['generated tag', (m) => (m.tags = ['opsight']), /^tags: must include "generated"/],
    ['time', (m) => delete m.time, /^time:/],
    ['panel type', (m) => (m.panels[0].type = 'piechart'), /^panels\[0\]\.type: unsupported piechart/],
    ['duplicate id', (m) => (m.panels[1].id = m.panels[0].id), /^panels\[1\]\.id: duplicate/],
    ['description', (m) => delete m.panels[0].description, /^panels\[0\]\.description/],
    [
      'unit',
      (m) => delete m.panels[0].fieldConfig.defaults.unit,
      /^panels\[0\]\.fieldConfig\.defaults\.unit/,
    ],
    ['grid', (m) => (m.panels[0].gridPos.x = 20), /^panels\[0\]\.gridPos: outside/],
    [
      'overlap',
      (m) => (m.panels[1].gridPos = { ...m.panels[0].gridPos }),
      /^panels\[1\]\.gridPos: overlaps panels\[0\]/,
    ],
    ['datasource', (m) => (m.panels[0].datasource = { uid: 'other' }), /^panels\[0\]\.datasource/],
    ['no targets', (m) => (m.panels[0].targets = []), /^panels\[0\]\.targets/],
    ['refId', (m) => (m.panels[0].targets[0].refId = ''), /^panels\[0\]\.targets\[0\]: needs refId/],
    ['variable', (m) => (m.panels[0].targets[0].expr = 'up{job=~"$nope"}'), /undefined variable \$nope/],
    ['templating', (m) => (m.templating.list[1].name = m.templating.list[0].name), /duplicate variable/],
  ];
  for (const [name, mutate, expected] of cases) {
    const m = valid();
    mutate(m);
    const problems = name === 'not an object' ? checkDashboardSchema([]) : checkDashboardSchema(m);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${name}: ${JSON.stringify(problems)}`,
    );
  }
});
