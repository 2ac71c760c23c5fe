import { nginxHttpRequestsTotal } from '@opsight/catalog';
import { orZeroWhere } from './zero-fill.js';

/**
 * The availability SLO the SLO dashboard tracks: the share of gateway requests not answered with a 5xx,
 * over a rolling 30 days. Burn-rate windows and factors follow the multiwindow, multi-burn-rate scheme
 * of the SRE workbook (a factor of 14.4 spends 2 % of a 30-day budget in one hour).
 */
export const AVAILABILITY_SLO = {
  target: 0.999,
  window: '30d',
  burnRates: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
    { long: '3d', short: '6h', factor: 1 },
  ],
} as const;

/** Error ratio of gateway requests over `window` (5xx / all). */
export function errorRatio(window: string): string {
  const n = nginxHttpRequestsTotal.name;
  return `sum(rate(${n}{status=~"5.."}[${window}])) / sum(rate(${n}[${window}]))`;
}

/** All gateway requests per second over `window`: the denominator of {@link errorRatio}. */
export function requestRate(window: string): string {
  return `sum(rate(${nginxHttpRequestsTotal.name}[${window}]))`;
}

/** {@link errorRatio}, 0 rather than no series while the gateway has requests and no 5xx. */
export function errorRatioOrZero(window: string): string {
  return orZeroWhere(errorRatio(window), requestRate(window));
}
