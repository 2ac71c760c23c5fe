import type { DashboardSpec } from '../dashboard-spec.js';
import { gauge, stat, timeseries } from '../panels.js';
import { AVAILABILITY_SLO, errorRatioOrZero } from '../slo.js';

const { target, window, burnRates } = AVAILABILITY_SLO;
const budget = 1 - target;

export const slos: DashboardSpec = {
  uid: 'opsight-slos',
  title: 'SLOs',
  description: `Gateway availability against its ${target * 100} % SLO over ${window}: error budget and burn rates.`,
  variables: [],
  panels: [
    stat({
      title: `Availability (${window})`,
      description: `Share of gateway requests not answered with a 5xx over the last ${window}; the SLO is ${target * 100} %.`,
      unit: 'percentunit',
      width: 8,
      thresholds: [[target, 'green']],
      queries: [`1 - (${errorRatioOrZero(window)})`],
    }),
    gauge({
      title: 'Error budget remaining',
      description: `Share of the ${window} error budget (${budget.toFixed(4)} of requests) not yet spent; below 0 the SLO is broken.`,
      unit: 'percentunit',
      width: 8,
      min: 0,
      max: 1,
      queries: [`1 - (${errorRatioOrZero(window)}) / ${budget}`],
    }),
    stat({
      title: 'Burn rate (1h)',
      description: `How fast the budget burns: 1 spends exactly the budget in ${window}; ${burnRates[0].factor} pages.`,
      unit: 'short',
      width: 8,
      thresholds: [
        [burnRates[1].factor, 'orange'],
        [burnRates[0].factor, 'red'],
      ],
      queries: [`(${errorRatioOrZero('1h')}) / ${budget}`],
    }),
    timeseries({
      title: 'Burn rates',
      description:
        'Burn rate over each alerting window: errors as a multiple of the rate that spends the budget exactly.',
      unit: 'short',
      width: 24,
      queries: burnRates.flatMap((b) => [
        { expr: `(${errorRatioOrZero(b.long)}) / ${budget}`, legend: `${b.long} (page above ${b.factor})` },
        { expr: `(${errorRatioOrZero(b.short)}) / ${budget}`, legend: `${b.short}` },
      ]),
    }),
  ],
};
