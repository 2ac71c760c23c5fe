// Admission of queries, per tenant: at most `max_query_parallelism` of a tenant's queries run at once;
// the next ones wait in order for a turn, at most `max_outstanding_requests_per_tenant` of them and each
// for at most `max_queue_wait_ms` (never past its deadline). A query refused here never started.
import type { Limits } from '../limits.js';
import { LogStoreError } from './log-store-error.js';

/** What a query brings to the gate. */
export interface GateRequest {
  /** When the query must have finished, ms since the epoch; a wait never runs past it. */
  deadline: number;
  /** Aborted when the client goes away: a waiting query leaves the queue. */
  signal?: AbortSignal;
}

interface Waiter {
  admit(): void;
}

interface TenantState {
  running: number;
  waiting: Waiter[];
}

export class QueryGate {
  private readonly tenants = new Map<string, TenantState>();

  /**
   * @param limitsFor the limits of a tenant
   * @param onIdle called each time the last running query (of any tenant) gives its turn back
   */
  constructor(
    private readonly limitsFor: (tenant: string) => Limits,
    private readonly onIdle: () => void = () => {},
  ) {}

  /** Queries running now, all tenants together. */
  running(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.running;
    return n;
  }

  /** Queries of a tenant waiting for a turn. */
  waiting(tenant: string): number {
    return this.tenants.get(tenant)?.waiting.length ?? 0;
  }

  /**
   * Waits for a turn of the tenant and resolves with the function that gives it back (call it once, when
   * the query ends). Refuses with a {@link LogStoreError}: QUERYING_DISABLED, TOO_MANY_OUTSTANDING_REQUESTS,
   * QUERY_QUEUE_TIMEOUT, or QUERY_CANCELLED when the client went away while waiting.
   */
  enter(tenant: string, request: GateRequest): Promise<() => void> {
    const limits = this.limitsFor(tenant);
    if (limits.max_query_parallelism <= 0)
      return Promise.reject(
        new LogStoreError('QUERYING_DISABLED', 'querying is disabled, please contact your Loki operator'),
      );
    const state = this.state(tenant);
    if (request.signal?.aborted) return Promise.reject(cancelled());
    if (state.running < limits.max_query_parallelism && state.waiting.length === 0) {
      state.running++;
      return Promise.resolve(this.release(tenant, state));
    }
    if (state.waiting.length >= limits.max_outstanding_requests_per_tenant)
      return Promise.reject(
        new LogStoreError('TOO_MANY_OUTSTANDING_REQUESTS', 'too many outstanding requests', {
          retryAfterSeconds: 1,
        }),
      );
    const waitMs = Math.max(0, Math.min(limits.max_queue_wait_ms, request.deadline - Date.now()));
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        const i = state.waiting.indexOf(waiter);
        if (i >= 0) state.waiting.splice(i, 1);
        this.forget(tenant, state);
      };
      const waiter: Waiter = {
        admit: () => {
          state.running++;
          leave();
          resolve(this.release(tenant, state));
        },
      };
      const onAbort = () => {
        leave();
        reject(cancelled());
      };
      const timer = setTimeout(() => {
        leave();
        reject(
          new LogStoreError(
            'QUERY_QUEUE_TIMEOUT',
            `the query waited ${waitMs}ms for a turn (max_query_parallelism ${limits.max_query_parallelism} queries of the tenant running); retry later`,
            { retryAfterSeconds: 1 },
          ),
        );
      }, waitMs);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      state.waiting.push(waiter);
    });
  }

  private state(tenant: string): TenantState {
    let s = this.tenants.get(tenant);
    if (!s) {
      s = { running: 0, waiting: [] };
      this.tenants.set(tenant, s);
    }
    return s;
  }

  /** The turn's give-back: once only; admits the next waiter while the tenant is under its limit. */
  private release(tenant: string, state: TenantState): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      state.running--;
      const limit = this.limitsFor(tenant).max_query_parallelism;
      while (state.running < limit && state.waiting.length > 0) state.waiting[0]!.admit();
      this.forget(tenant, state);
      if (this.running() === 0) this.onIdle();
    };
  }

  private forget(tenant: string, state: TenantState): void {
    if (state.running === 0 && state.waiting.length === 0) this.tenants.delete(tenant);
  }
}

/** Loki's answer when the client went away (status 499). */
export function cancelled(): LogStoreError {
  return new LogStoreError('QUERY_CANCELLED', 'the request was cancelled by the client');
}
