import {
  grpcServerHandledTotal,
  httpServerRequestsTotal,
  modelInferenceFailureTotal,
  modelInferenceSuccessTotal,
  nginxHttpRequestDurationSeconds,
  nginxHttpRequestsTotal,
} from '@opsight/catalog';
import type { RecordingRule, RuleGroup, TestSeries } from '../rule.js';
import { GRPC_SERVER_ERROR_CODES, LE_ONE_SECOND } from '../settings.js';

/** A service level objective: the share of good events, and how to count bad and all events over a window. */
export interface Slo {
  /** `slo` label value. */
  readonly name: string;
  /** `service` label value (routing). */
  readonly service: string;
  /** Target share of good events, e.g. 0.999. */
  readonly objective: number;
  readonly description: string;
  /** PromQL: rate of bad events over `window`. */
  readonly errors: (window: string) => string;
  /** PromQL: rate of all events over `window`. */
  readonly total: (window: string) => string;
  /** Test input: one minute of bad and total events a minute, 1 m samples, 3 days long. */
  readonly testInput: (minutes: number) => TestSeries[];
}

/** Burn-rate windows: pairs of them drive the multi-window alerts; the rest feed dashboards. */
export const BURN_RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
/** The period over which the error budget is counted. */
export const SLO_PERIOD = '30d';

const nginx = nginxHttpRequestsTotal.name;
const http = httpServerRequestsTotal.name;
const grpc = grpcServerHandledTotal.name;
const duration = nginxHttpRequestDurationSeconds.name;
const success = modelInferenceSuccessTotal.name;
const failure = modelInferenceFailureTotal.name;
const grpcErrors = `grpc_code=~"${GRPC_SERVER_ERROR_CODES.join('|')}"`;
const series = (name: string, per: number, n: number) => ({ series: name, values: `0+${per}x${n}` });

export const SLOS: readonly Slo[] = [
  {
    name: 'gateway-availability',
    service: 'gateway',
    objective: 0.999,
    description: '99.9% of requests through the gateway answer without a 5xx.',
    errors: (w) => `sum(rate(${nginx}{status=~"5.."}[${w}]))`,
    total: (w) => `sum(rate(${nginx}[${w}]))`,
    testInput: (n) => [series(`${nginx}{status="200"}`, 998, n), series(`${nginx}{status="500"}`, 2, n)],
  },
  {
    name: 'gateway-latency',
    service: 'gateway',
    objective: 0.99,
    description: '99% of requests through the gateway complete within 1 second.',
    errors: (w) =>
      `(sum(rate(${duration}_count[${w}])) - sum(rate(${duration}_bucket{${LE_ONE_SECOND}}[${w}])))`,
    total: (w) => `sum(rate(${duration}_count[${w}]))`,
    testInput: (n) => [series(`${duration}_count`, 1000, n), series(`${duration}_bucket{le="1"}`, 995, n)],
  },
  {
    name: 'api-availability',
    service: 'api-service',
    objective: 0.999,
    description: '99.9% of api-service requests answer without a 5xx.',
    errors: (w) => `sum(rate(${http}{job="api-service",status_class="5xx"}[${w}]))`,
    total: (w) => `sum(rate(${http}{job="api-service"}[${w}]))`,
    testInput: (n) => [
      series(`${http}{job="api-service",status_class="2xx"}`, 998, n),
      series(`${http}{job="api-service",status_class="5xx"}`, 2, n),
    ],
  },
  {
    name: 'router-availability',
    service: 'model-router',
    objective: 0.999,
    description: '99.9% of model-router RPCs end without a server error.',
    errors: (w) => `sum(rate(${grpc}{job="model-router",${grpcErrors}}[${w}]))`,
    total: (w) => `sum(rate(${grpc}{job="model-router"}[${w}]))`,
    testInput: (n) => [
      series(`${grpc}{job="model-router",grpc_code="OK"}`, 998, n),
      series(`${grpc}{job="model-router",grpc_code="Unavailable"}`, 2, n),
    ],
  },
  {
    name: 'inference-availability',
    service: 'model-serving',
    objective: 0.99,
    description: '99% of model inferences succeed.',
    errors: (w) => `sum(rate(${failure}[${w}]))`,
    total: (w) => `sum(rate({__name__=~"${success}|${failure}"}[${w}]))`,
    testInput: (n) => [
      series(`${success}{model_name="m"}`, 995, n),
      series(`${failure}{model_name="m",reason="timeout"}`, 5, n),
    ],
  },
];

/** Every SLO test input has this error ratio: 0.2% for 99.9% objectives, 0.5% for 99%. */
const testRatio = (slo: Slo) => (slo.objective === 0.999 ? 0.002 : 0.005);
const sliLabels = (slo: Slo) => ({ slo: slo.name, service: slo.service });
// Ratios of rates are the same over every window once a few samples exist, so an hour of input suffices.
const TEST_MINUTES = 70;

function sli(slo: Slo, window: string): RecordingRule {
  return {
    record: `slo:sli_error:ratio_rate${window}`,
    expr: `${slo.errors(window)} / ${slo.total(window)}`,
    labels: sliLabels(slo),
    expect: [{ labels: sliLabels(slo), value: testRatio(slo) }],
  };
}

function burnRate(slo: Slo, window: string): RecordingRule {
  return {
    record: `slo:burn_rate:ratio_rate${window}`,
    expr: `slo:sli_error:ratio_rate${window}{slo="${slo.name}"} / (1 - ${slo.objective})`,
    labels: sliLabels(slo),
    expect: [{ labels: sliLabels(slo), value: testRatio(slo) / (1 - slo.objective) }],
  };
}

/** Error ratios (SLIs) and burn rates over every window, per SLO. */
export const sloBurnRates: RuleGroup = {
  name: 'slo-burn-rates',
  expectAtMinutes: TEST_MINUTES,
  input: SLOS.flatMap((s) => s.testInput(TEST_MINUTES)),
  recording: SLOS.flatMap((slo) => [
    ...BURN_RATE_WINDOWS.map((w) => sli(slo, w)),
    ...BURN_RATE_WINDOWS.map((w) => burnRate(slo, w)),
  ]),
};

/** Error budget left over the SLO period (1 = untouched, 0 = spent, below 0 = overspent). */
export const sloBudget: RuleGroup = {
  name: 'slo-error-budget',
  expectAtMinutes: TEST_MINUTES,
  input: SLOS.flatMap((s) => s.testInput(TEST_MINUTES)),
  recording: SLOS.flatMap((slo) => [
    sli(slo, SLO_PERIOD),
    {
      record: `slo:error_budget:remaining_ratio${SLO_PERIOD}`,
      expr: `1 - slo:sli_error:ratio_rate${SLO_PERIOD}{slo="${slo.name}"} / (1 - ${slo.objective})`,
      labels: sliLabels(slo),
      expect: [{ labels: sliLabels(slo), value: 1 - testRatio(slo) / (1 - slo.objective) }],
    },
  ]),
};
