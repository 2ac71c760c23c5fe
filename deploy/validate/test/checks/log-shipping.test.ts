import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_SHIPPING, renderLogShippingConfigs } from '@opsight/catalog';
import { parse } from 'yaml';
import { alloyConfigProblems, readAlloyBlocks } from '../../src/checks/alloy-config.js';
import { promtailConfigProblems } from '../../src/checks/promtail-config.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';

const configs = renderLogShippingConfigs();

test('the Alloy configurations rendered from the catalog log rule are valid Alloy', () => {
  const alloy = configs.filter((c) => c.path.endsWith('.alloy'));
  assert.equal(alloy.length, 2);
  for (const { path, text } of alloy) {
    assert.deepEqual(alloyConfigProblems(text), [], path);
    const process = readAlloyBlocks(text).find((b) => b.name === 'loki.process')!;
    for (const field of LOG_SHIPPING.structuredMetadata)
      assert.match(process.text, new RegExp(`\\b${field}\\b`), path);
  }
});

test('the Promtail configuration rendered from the catalog log rule is valid and carries the rule', () => {
  const { path, text } = configs.find((c) => c.path.endsWith('promtail.yaml'))!;
  const config = parse(text) as JsonObject;
  assert.deepEqual(promtailConfigProblems(config), [], path);
  const [job] = config.scrape_configs as JsonObject[];
  const stage = (name: string) =>
    Object.keys(((job!.pipeline_stages as JsonObject[]).find((s) => name in s)![name] as JsonObject) ?? {});
  assert.deepEqual(stage('labels'), [...LOG_SHIPPING.fieldLabels]);
  assert.deepEqual(stage('structured_metadata'), [...LOG_SHIPPING.structuredMetadata]);
  const targets = (job!.relabel_configs as JsonObject[]).map((r) => r.target_label);
  for (const label of LOG_SHIPPING.originLabels) assert.ok(targets.includes(label), label);
});
