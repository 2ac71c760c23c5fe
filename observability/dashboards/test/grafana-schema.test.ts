import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type GrafanaSchema, grafanaSchema } from './support/grafana-schema.js';

const generated = fileURLToPath(new URL('../../generated/', import.meta.url));
const files = readdirSync(generated).filter((f) => f.endsWith('.json'));
const read = (file: string) => JSON.parse(readFileSync(join(generated, file), 'utf8'));
let schema: GrafanaSchema;

before(() => {
  schema = grafanaSchema();
});

test("every generated dashboard is valid against Grafana's dashboard schema (the SDK's kinds, as JSON Schema)", () => {
  assert.equal(files.length, 8);
  for (const file of files) assert.deepEqual(schema.check(read(file)), [], file);
});

test('the schema check reports wrong types, unknown fields, bad enums and bad targets with their path', () => {
  const model = read('opsight-gateway.json');
  model.graphTooltip = 7;
  model.time = { from: 'now-1h' };
  model.panelz = [];
  model.panels[0].gridPos.w = 'wide';
  model.templating.list.push({ name: 'x', type: 'nonsense' });
  model.panels[1].targets[0].instant = 'yes';
  model.panels[1].targets[0].exprr = 'up';
  model.panels[2].targets[0].datasource = { type: 'graphite', uid: 'x' };
  const problems = schema.check(model);
  const has = (re: RegExp) =>
    assert.ok(
      problems.some((p) => re.test(p)),
      `${re} in\n${problems.join('\n')}`,
    );
  has(/^\$: must NOT have additional properties \(panelz\)$/);
  has(/^\$\/graphTooltip: must be equal to one of the allowed values \(\[0,1,2\]\)$/);
  has(/^\$\/time: must have required property 'to'$/);
  has(/^\$\/panels\/0\/gridPos\/w: must be number$/);
  has(
    /^\$\/templating\/list\/0|^\$\/templating\/list\/\d+\/type: must be equal to one of the allowed values/,
  );
  has(/^\$\/panels\/1\/targets\/0\/instant: must be boolean$/);
  has(/^\$\/panels\/1\/targets\/0: must NOT have additional properties \(exprr\)$/);
  has(/^\$\/panels\/2\/targets\/0\/datasource\/type: no schema for data source type "graphite"$/);
  assert.deepEqual(schema.check(null), ['$: not an object']);
});
