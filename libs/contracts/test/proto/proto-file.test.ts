import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { protoFile } from '@opsight/contracts/proto';

test('protoFile names the shipped file, the same one the package export resolves', () => {
  const path = protoFile('model_router.proto');
  assert.match(readFileSync(path, 'utf8'), /service ModelRouter/);
  const exported = createRequire(import.meta.url).resolve('@opsight/contracts/proto/model_router.proto');
  assert.equal(exported, path);
});

test('an unknown proto name is refused with the path it looked for', () => {
  assert.throws(() => protoFile('nope.proto' as 'model_router.proto'), /nope\.proto is missing at/);
});

test('the OTLP protos are shipped, import their common messages beside them, and the export resolves them', () => {
  const common = readFileSync(protoFile('otlp/common.proto'), 'utf8');
  for (const message of ['AnyValue', 'KeyValue', 'Resource', 'InstrumentationScope'])
    assert.match(common, new RegExp(`^message ${message} \\{`, 'm'));
  for (const [name, message] of [
    ['otlp/logs.proto', 'ExportLogsServiceRequest'],
    ['otlp/trace.proto', 'ExportTraceServiceRequest'],
  ] as const) {
    const text = readFileSync(protoFile(name), 'utf8');
    assert.match(text, /^import "common\.proto";$/m);
    assert.match(text, new RegExp(`^message ${message} \\{`, 'm'));
    assert.match(text, /^package opentelemetry\.proto;$/m);
  }
  const exported = createRequire(import.meta.url).resolve('@opsight/contracts/proto/otlp/common.proto');
  assert.equal(exported, protoFile('otlp/common.proto'));
});
