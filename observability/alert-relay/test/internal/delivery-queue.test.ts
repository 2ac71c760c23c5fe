import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type AcceptInput, DeliveryQueue } from '../../src/internal/delivery-queue.js';

const input = (over: Partial<AcceptInput> = {}): AcceptInput => ({
  receivedAt: 1000,
  route: 'page',
  status: 'firing',
  groupKey: 'g1',
  payload: '{"alerts":[]}',
  targets: [{ receiver: 'slack', dedupKey: 'k1', immediate: false }],
  dedupSince: 0,
  deadlineAt: 10_000,
  ...over,
});

test('the queue keeps its schedule across a reopen, in a 0700 directory with 0600 files', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'opsight-relay-q-')), 'queue');
  try {
    const q = new DeliveryQueue({ dir });
    const { id } = q.accept(input());
    assert.deepEqual(
      q.due(1000).map((d) => [d.notificationId, d.receiver, d.attempts]),
      [[id, 'slack', 0]],
    );
    q.record(id, 'slack', { state: 'pending', nextAt: 5000, error: 'HTTP 503' }, 1001);
    assert.deepEqual(q.due(4999), []);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of ['queue.db', 'queue.db-wal']) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    }
    q.close();
    // Modes that drifted while it was stopped (a copy, a restore) are fixed when it opens again.
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'queue.db'), 0o644);
    const again = new DeliveryQueue({ dir });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'queue.db')).mode & 0o777, 0o600);
    assert.deepEqual(again.heads(), [{ notificationId: id, receiver: 'slack', nextAt: 5000 }]);
    assert.deepEqual(
      again.due(5000).map((d) => d.attempts),
      [1],
    );
    assert.deepEqual(again.pending(), { count: 1, oldestReceivedAt: 1000 });
    again.record(id, 'slack', { state: 'delivered' }, 5001);
    assert.deepEqual(again.pending(), { count: 0, oldestReceivedAt: undefined });
    const [n] = again.list(10);
    assert.deepEqual(n?.deliveries, [
      { receiver: 'slack', state: 'delivered', attempts: 2, nextAt: 5001, lastError: 'HTTP 503' },
    ]);
    again.close();
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('a duplicate of a pending or recently delivered delivery is not queued; a failed one is', () => {
  const q = new DeliveryQueue({ dir: ':memory:' });
  const first = q.accept(input());
  const dup = q.accept(input({ receivedAt: 2000 }));
  assert.deepEqual(dup, { id: first.id, queued: [], duplicates: ['slack'], dropped: [] });
  q.record(first.id, 'slack', { state: 'delivered' }, 3000);
  assert.deepEqual(q.accept(input({ dedupSince: 3000 })).duplicates, ['slack']);
  // Delivered before the window: a genuine repeat (Alertmanager's repeat_interval), queued again.
  const repeat = q.accept(input({ dedupSince: 3001 }));
  assert.deepEqual(repeat.queued, ['slack']);
  q.record(repeat.id, 'slack', { state: 'failed', error: 'x' }, 4000);
  assert.deepEqual(q.accept(input({ dedupSince: 3001 })).queued, ['slack'], 'a failed one does not count');
  // Per receiver: one target a duplicate, another new.
  const mixed = q.accept(
    input({
      targets: [
        { receiver: 'slack', dedupKey: 'k1', immediate: false },
        { receiver: 'ding', dedupKey: 'k2', immediate: false },
      ],
    }),
  );
  assert.deepEqual([mixed.queued, mixed.duplicates], [['ding'], ['slack']]);
  q.close();
});

test('one receiver and group leave in order; other groups and receivers do not wait', () => {
  const q = new DeliveryQueue({ dir: ':memory:' });
  const a1 = q.accept(input({ targets: [{ receiver: 'slack', dedupKey: 'a1', immediate: false }] }));
  const a2 = q.accept(input({ targets: [{ receiver: 'slack', dedupKey: 'a2', immediate: false }] }));
  const b1 = q.accept(
    input({ groupKey: 'g2', targets: [{ receiver: 'slack', dedupKey: 'b1', immediate: false }] }),
  );
  const inbox = q.accept(input({ targets: [{ receiver: 'inbox', dedupKey: 'i', immediate: true }] }));
  const due = () => q.due(2000).map((d) => d.notificationId);
  assert.deepEqual(due(), [a1.id, b1.id]);
  q.record(a1.id, 'slack', { state: 'pending', nextAt: 3000, error: 'e' }, 2000);
  assert.deepEqual(due(), [b1.id], 'a2 waits behind a1 while a1 backs off');
  q.record(a1.id, 'slack', { state: 'delivered' }, 3000);
  assert.deepEqual(due(), [a2.id, b1.id]);
  assert.equal(q.list(1)[0]?.id, inbox.id);
  assert.equal(q.list(1)[0]?.deliveries[0]?.state, 'delivered');
  q.close();
});

test('past its deadline a pending delivery is failed, unless it is being attempted', () => {
  const q = new DeliveryQueue({ dir: ':memory:' });
  const a = q.accept(input({ deadlineAt: 5000 }));
  const b = q.accept(
    input({ deadlineAt: 5000, targets: [{ receiver: 'slack', dedupKey: 'k2', immediate: false }] }),
  );
  assert.deepEqual(q.giveUpOverdue(4999, new Set()), []);
  const gone = q.giveUpOverdue(5000, new Set([`${b.id}/slack`]));
  assert.deepEqual(gone, [{ notificationId: a.id, receiver: 'slack' }]);
  const states = q.list(10).map((n) => [n.id, n.deliveries[0]?.state, n.deliveries[0]?.lastError]);
  assert.deepEqual(states, [
    [b.id, 'pending', null],
    [a.id, 'failed', 'gave up: not delivered before its deadline'],
  ]);
  q.close();
});

test('beyond its capacity or bytes the oldest notifications leave, and their pending deliveries are dropped', () => {
  const q = new DeliveryQueue({ dir: ':memory:', capacity: 3, maxBytes: 1000 });
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = q.accept(input({ targets: [{ receiver: 'slack', dedupKey: `k${i}`, immediate: false }] }));
    assert.deepEqual(r.dropped, []);
    ids.push(r.id);
  }
  q.record(ids[0]!, 'slack', { state: 'delivered' }, 2000);
  const fourth = q.accept(input({ targets: [{ receiver: 'slack', dedupKey: 'k3', immediate: false }] }));
  assert.deepEqual(fourth.dropped, [], 'the oldest was delivered: nothing pending dropped');
  const fifth = q.accept(input({ targets: [{ receiver: 'slack', dedupKey: 'k4', immediate: false }] }));
  assert.deepEqual(fifth.dropped, ['slack']);
  assert.deepEqual(
    q.list(10).map((n) => n.id),
    [fifth.id, fourth.id, ids[2]],
  );
  const big = q.accept(
    input({ payload: 'x'.repeat(980), targets: [{ receiver: 'slack', dedupKey: 'big', immediate: false }] }),
  );
  assert.deepEqual(big.dropped, ['slack', 'slack'], 'bytes over the bound evict the oldest');
  assert.deepEqual(
    q.list(10).map((n) => n.id),
    [big.id, fifth.id],
  );
  q.close();
});
