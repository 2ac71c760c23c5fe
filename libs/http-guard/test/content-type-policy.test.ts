import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasBody, isDeclaredContentType, mediaTypeOf } from '../src/content-type-policy.js';

const JSON_OR_PROTOBUF = ['application/json', 'application/x-protobuf'];

test('declared types pass, parameters and case aside', () => {
  const h = (t: string) => ({ 'content-type': t, 'content-length': '2' });
  assert.equal(isDeclaredContentType(h('application/json; charset=utf-8'), JSON_OR_PROTOBUF), true);
  assert.equal(isDeclaredContentType(h('Application/X-Protobuf'), JSON_OR_PROTOBUF), true);
});

test('the types a browser sends without a preflight never reach a decoder', () => {
  for (const t of [
    'text/plain',
    'text/plain;charset=UTF-8',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
  ])
    assert.equal(
      isDeclaredContentType({ 'content-type': t, 'content-length': '5' }, JSON_OR_PROTOBUF),
      false,
      t,
    );
  assert.equal(isDeclaredContentType({ 'transfer-encoding': 'chunked' }, JSON_OR_PROTOBUF), false);
});

test('a write without a body needs no content type', () => {
  assert.equal(isDeclaredContentType({}, JSON_OR_PROTOBUF), true);
  assert.equal(
    isDeclaredContentType({ 'content-length': '0', 'content-type': 'text/plain' }, JSON_OR_PROTOBUF),
    true,
  );
  assert.equal(hasBody({ 'content-length': '1' }), true);
  assert.equal(mediaTypeOf(' ; x'), undefined);
});
