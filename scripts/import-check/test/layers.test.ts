import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrowAllowed, layerOf } from '../src/index.js';

test('arrows run from a higher layer to a lower one, or within one folder', () => {
  assert.equal(arrowAllowed('observability/telemetry', 'libs/contracts'), true);
  assert.equal(arrowAllowed('platform/api-service', 'observability/telemetry'), true);
  assert.equal(arrowAllowed('apps/cli', 'platform/api-service'), true);
  assert.equal(arrowAllowed('test/e2e', 'apps/cli'), true);
  assert.equal(arrowAllowed('platform/model-router', 'platform/model-serving'), true);
  assert.equal(arrowAllowed('observability/telemetry', 'observability/catalog'), true);
});

test('arrows back up, or across two folders of one layer, are refused', () => {
  assert.equal(arrowAllowed('libs/contracts', 'observability/catalog'), false);
  assert.equal(arrowAllowed('observability/telemetry', 'platform/api-service'), false);
  assert.equal(arrowAllowed('apps/cli', 'test/e2e'), false);
  assert.equal(arrowAllowed('platform/api-service', 'apps/cli'), false);
  assert.equal(arrowAllowed('platform/api-service', 'runtime/supervisor'), false);
  assert.equal(arrowAllowed('runtime/supervisor', 'platform/api-service'), false);
  assert.equal(arrowAllowed('packages/x', 'libs/contracts'), false);
});

test('every layer folder has its rank; others have none', () => {
  assert.equal(layerOf('libs/sqlite'), 0);
  assert.equal(layerOf('runtime/supervisor'), layerOf('platform/gateway'));
  assert.ok((layerOf('deploy/validate') ?? -1) > (layerOf('apps/cli') ?? Infinity));
  assert.equal(layerOf('packages/cli'), undefined);
});
