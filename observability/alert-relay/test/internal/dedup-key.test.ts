import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dedupKey } from '../../src/internal/dedup-key.js';
import type { WebhookAlert, WebhookPayload } from '../../src/payload.js';

const alert = (over: Partial<WebhookAlert> = {}): WebhookAlert => ({
  status: 'firing',
  labels: { alertname: 'ServiceDown', job: 'a' },
  annotations: { summary: 's' },
  startsAt: '2026-11-26T07:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  fingerprint: 'f1',
  ...over,
});
const payload = (alerts: WebhookAlert[], over: Partial<WebhookPayload> = {}): WebhookPayload => ({
  version: '4',
  groupKey: '{}:{alertname="ServiceDown"}',
  status: 'firing',
  receiver: 'relay-page',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  alerts,
  ...over,
});

test('the dedup key is the receiver, group, status and each alert fingerprint, status and start', () => {
  const base = dedupKey('slack', payload([alert(), alert({ fingerprint: 'f2' })]));
  assert.equal(
    dedupKey('slack', payload([alert({ fingerprint: 'f2' }), alert({ annotations: { summary: 'other' } })])),
    base,
    'alert order and annotations do not matter',
  );
  assert.equal(
    dedupKey('slack', payload([alert({ endsAt: '2026-11-26T07:04:00Z' }), alert({ fingerprint: 'f2' })])),
    base,
    "a firing alert's endsAt moves with each evaluation: not part of the key",
  );
  const differs = [
    dedupKey('ding', payload([alert(), alert({ fingerprint: 'f2' })])),
    dedupKey('slack', payload([alert()])),
    dedupKey('slack', payload([alert(), alert({ fingerprint: 'f2' })], { groupKey: 'other' })),
    dedupKey('slack', payload([alert(), alert({ fingerprint: 'f2', status: 'resolved' })])),
    dedupKey('slack', payload([alert(), alert({ fingerprint: 'f2' })], { status: 'resolved' })),
    dedupKey('slack', payload([alert({ startsAt: '2026-11-26T09:00:00Z' }), alert({ fingerprint: 'f2' })])),
  ];
  assert.equal(new Set([base, ...differs]).size, differs.length + 1);
  const resolved = (endsAt: string) =>
    dedupKey('slack', payload([alert({ status: 'resolved', endsAt })], { status: 'resolved' }));
  assert.notEqual(resolved('2026-11-26T08:00:00Z'), resolved('2026-11-26T08:05:00Z'));
  const noFingerprint = (labels: Record<string, string>) =>
    dedupKey('slack', payload([alert({ fingerprint: undefined, labels })]));
  assert.equal(noFingerprint({ alertname: 'A', b: '1' }), noFingerprint({ b: '1', alertname: 'A' }));
  assert.notEqual(noFingerprint({ alertname: 'A', b: '1' }), noFingerprint({ alertname: 'A', b: '2' }));
});
