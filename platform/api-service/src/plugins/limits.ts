import { rateLimitRejectionsTotal, rateLimitUncheckedTotal } from '@opsight/catalog';
import type { Telemetry } from '@opsight/telemetry';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../error-catalogue.js';
import type { Admission } from '../internal/redis/request-gate.js';
import { withDbSpan } from '../internal/tracing/client-span.js';
import type { ApiCall } from './api-call.js';
import type { DependencyCall } from './dependency-call.js';
import type { OutageWarning } from './outage-log.js';

/** The per-key request and token windows (Redis). */
export interface AdmissionGate {
  /** Counts a request against the key's limits; says whether it is admitted. */
  admit(keyId: string, userId: string, limits: { rpm: number; tpm: number }): Promise<Admission>;
  /** Adds the tokens of an answered request to the key's token window. */
  spendTokens(keyId: string, tokens: number): Promise<void>;
}

/** Options of {@link limitsPlugin}. */
export interface LimitsPluginOptions {
  /** The rate-limit windows. */
  gate: AdmissionGate;
  /** Bounds each Redis call and skips Redis while it is down (Redis's guard). */
  guard: DependencyCall;
  /** Counters and spans. */
  telemetry: Telemetry;
  /** Where rate limiter outages are reported. */
  warnOutage: OutageWarning;
  /** Requests per minute of a key without its own limit. */
  defaultRpm: number;
  /** Tokens per minute of a key without its own limit. */
  defaultTpm: number;
  /**
   * A request whose limits cannot be checked (Redis down): `open` admits it, `closed` refuses it with
   * 503 DEPENDENCY_UNAVAILABLE.
   */
  failMode: 'open' | 'closed';
  /** `Retry-After` of the 503 answered in fail-closed mode. */
  retryAfterSeconds: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts an answered call's tokens against its key's tokens-per-minute window (in the background). */
    spendTokens(call: ApiCall): void;
  }
}

const plugin: FastifyPluginAsync<LimitsPluginOptions> = async (app, options) => {
  const { gate, guard, warnOutage, defaultRpm, defaultTpm, retryAfterSeconds } = options;
  const { metrics, tracer } = options.telemetry;
  const failOpen = options.failMode === 'open';
  const rejections = metrics.counter(rateLimitRejectionsTotal);
  const unchecked = metrics.counter(rateLimitUncheckedTotal);
  for (const outcome of ['admitted', 'refused']) unchecked.inc({ outcome }, 0);

  app.addHook('onRequest', async (request) => {
    const key = request.apiCall?.key;
    if (!key) return;
    let admission: Admission;
    try {
      admission = await guard.run(() =>
        withDbSpan(tracer, { system: 'redis', operation: 'EVALSHA' }, () =>
          gate.admit(key.id, key.userId, {
            rpm: key.rpmLimit ?? defaultRpm,
            tpm: key.tpmLimit ?? defaultTpm,
          }),
        ),
      );
    } catch (error) {
      unchecked.inc({ outcome: failOpen ? 'admitted' : 'refused' });
      warnOutage(
        'rate_limiter_unavailable',
        error,
        failOpen
          ? 'rate limiter unavailable: requests admitted without a limit check (fail open)'
          : 'rate limiter unavailable: requests refused (fail closed)',
      );
      if (!failOpen) {
        throw new ApiError(
          'DEPENDENCY_UNAVAILABLE',
          'the rate limiter is unavailable',
          undefined,
          retryAfterSeconds,
        );
      }
      admission = { ok: true };
    }
    if (!admission.ok) {
      rejections.inc({ limit: admission.limit });
      throw new ApiError(
        admission.limit === 'requests' ? 'RATE_LIMITED_REQUESTS' : 'RATE_LIMITED_TOKENS',
        `the key's ${admission.limit} per minute limit is used up; retry in ${admission.retryAfterSeconds} s`,
        undefined,
        admission.retryAfterSeconds,
      );
    }
  });

  app.decorate('spendTokens', (call: ApiCall) => {
    const total = call.promptTokens + call.completionTokens;
    if (!call.key || total <= 0) return;
    const keyId = call.key.id;
    guard
      .run(() =>
        withDbSpan(tracer, { system: 'redis', operation: 'EVALSHA' }, () => gate.spendTokens(keyId, total)),
      )
      .catch((error: unknown) =>
        warnOutage('token_budget_unavailable', error, 'token budget update failed: tokens not counted'),
      );
  });
};

/**
 * Per-key rate limits of the API routes: each authenticated request is counted against its key's
 * requests-per-minute window and refused with 429 (and `Retry-After`) when a window is used up; answered
 * tokens are spent with `app.spendTokens`. While Redis is down, requests are admitted or refused as
 * `failMode` says.
 */
export const limitsPlugin = fp(plugin, {
  name: 'api-limits',
  fastify: '5.x',
  dependencies: ['api-auth'],
  decorators: { request: ['apiCall'] },
});
