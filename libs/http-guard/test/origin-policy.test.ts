import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAllowedOrigin, normalizeOrigin } from '../src/origin-policy.js';

const CONSOLE = ['http://127.0.0.1:3000', 'http://localhost:3000'];

test('no Origin (not a browser), the allow-list and the server itself pass', () => {
  assert.equal(isAllowedOrigin(undefined, '127.0.0.1:3100', CONSOLE), true);
  assert.equal(isAllowedOrigin('http://localhost:3000', '127.0.0.1:3100', CONSOLE), true);
  assert.equal(isAllowedOrigin('http://LOCALHOST:3000/', '127.0.0.1:3100', CONSOLE), true);
  assert.equal(isAllowedOrigin('http://127.0.0.1:3100', '127.0.0.1:3100', CONSOLE), true);
});

test('another page, another port of loopback, null and non-http origins are refused', () => {
  for (const origin of [
    'http://evil.example',
    'http://127.0.0.1:3001',
    'https://127.0.0.1:3000',
    'null',
    'file://',
    'chrome-extension://abc',
    '',
  ])
    assert.equal(isAllowedOrigin(origin, '127.0.0.1:3100', CONSOLE), false, origin);
});

test('normalizeOrigin drops default ports and paths', () => {
  assert.equal(normalizeOrigin('http://a.example:80/x'), 'http://a.example');
  assert.equal(normalizeOrigin('not a url'), undefined);
});
