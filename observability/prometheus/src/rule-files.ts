import { pipelineAlerts, platformAlerts, sloAlerts } from './groups/alerts-more.js';
import { relayAlerts } from './groups/alerts-relay.js';
import { strategyAlerts } from './groups/alerts-strategy.js';
import { capacity } from './groups/capacity.js';
import { mappings } from './groups/mappings.js';
import { services } from './groups/services.js';
import { sloBudget, sloBurnRates } from './groups/slo.js';
import { gatewayAndServices, modelServingAndData } from './groups/strategy-queries.js';
import type { AlertRule, RuleFile } from './rule.js';

/** Every rule file, recording rules first (promtool evaluates groups in this order within a step). */
export const RULE_FILES: readonly RuleFile[] = [
  {
    file: 'strategy.yml',
    title: 'Recording rules: every query of the strategy (docs/architecture.md, 1.2), exactly as written',
    groups: [gatewayAndServices, modelServingAndData],
  },
  {
    file: 'mappings.yml',
    title:
      "Recording rules: the strategy's metric names from the real exporters' names (docs/architecture.md)",
    groups: [mappings],
  },
  {
    file: 'services.yml',
    title: 'Recording rules: errors and latency per service instance',
    groups: [services],
  },
  {
    file: 'slo.yml',
    title: 'Recording rules: SLIs, burn rates and error budgets per SLO',
    groups: [sloBurnRates, sloBudget],
  },
  { file: 'capacity.yml', title: 'Recording rules: capacity trends (predict_linear)', groups: [capacity] },
  {
    file: 'alerts.yml',
    title:
      'Alert rules: the strategy (docs/architecture.md, 1.3), SLO burn rates, model serving, databases, the telemetry pipeline, the alert relay',
    groups: [strategyAlerts, sloAlerts, platformAlerts, pipelineAlerts, relayAlerts],
  },
];

/** Every alerting rule of every file. */
export function allAlerts(files: readonly RuleFile[] = RULE_FILES): AlertRule[] {
  return files.flatMap((f) => f.groups.flatMap((g) => g.alerts ?? []));
}
