import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostnameOf, isAllowedHost } from '../src/host-policy.js';

test('loopback names and IP literals are answered, with or without a port', () => {
  for (const host of [
    'localhost',
    'localhost:3100',
    'LOCALHOST.',
    'app.localhost:3000',
    '127.0.0.1',
    '127.0.0.1:3100',
    '[::1]',
    '[::1]:3100',
    '10.1.2.3:8090',
  ])
    assert.equal(isAllowedHost(host, []), true, host);
});

test('a rebound DNS name is refused unless configured', () => {
  for (const host of [
    'evil.example',
    'evil.example:3100',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    'localhostx',
    '',
    undefined,
    '[zz]',
    'a b',
  ])
    assert.equal(isAllowedHost(host, []), false, String(host));
});

test('configured names: exact, or a domain and every name under it', () => {
  const allowed = ['logstore', '.svc.cluster.local', ' API.example.com '];
  assert.equal(isAllowedHost('logstore:3100', allowed), true);
  assert.equal(isAllowedHost('logstore.monitoring:3100', allowed), false);
  assert.equal(isAllowedHost('loki.monitoring.svc.cluster.local:3100', allowed), true);
  assert.equal(isAllowedHost('svc.cluster.local', allowed), true);
  assert.equal(isAllowedHost('evilsvc.cluster.local', allowed), false);
  assert.equal(isAllowedHost('api.example.com', allowed), true);
});

test('hostnameOf strips the port and a trailing dot, keeps IPv6 brackets', () => {
  assert.equal(hostnameOf('Example.COM.:80'), 'example.com');
  assert.equal(hostnameOf('[::1]:9'), '[::1]');
  assert.equal(hostnameOf('[::1'), undefined);
});
