import {
  collectorEntriesDroppedTotal,
  collectorLagSeconds,
  modelInferenceFailureTotal,
  modelInferenceSuccessTotal,
  modelOutputTokensTotal,
  modelTimeToFirstTokenSeconds,
  nginxHttpRequestsTotal,
  pgSettingsMaxConnections,
  pgStatActivityCount,
  prometheusRuleEvaluationFailuresTotal,
  redisKeyspaceHitsTotal,
  redisKeyspaceMissesTotal,
  telemetrySpansDroppedTotal,
  up,
} from '@opsight/catalog';
import type { RuleGroup, TestSeries } from '../rule.js';
import { FOR_MINUTES, THRESHOLDS } from '../settings.js';

const T = THRESHOLDS;
const s = (series: string, values: string): TestSeries => ({ series, values });
const pct = (ratio: number) => `${ratio * 100}%`;
const nginx = nginxHttpRequestsTotal.name;
const gatewaySlo = { slo: 'gateway-availability', service: 'gateway' };

/** Multi-window, multi-burn-rate alerts on every SLO (Google SRE workbook, chapter 5). */
export const sloAlerts: RuleGroup = {
  name: 'slo-alerts',
  alerts: [
    {
      alert: 'SLOErrorBudgetBurn',
      expr: '(slo:burn_rate:ratio_rate1h > 14.4 and slo:burn_rate:ratio_rate5m > 14.4) or (slo:burn_rate:ratio_rate6h > 6 and slo:burn_rate:ratio_rate30m > 6)',
      forMinutes: FOR_MINUTES.sloPage,
      severity: 'page',
      summary: 'SLO {{ $labels.slo }} is burning its error budget fast',
      description:
        'SLO {{ $labels.slo }} burns its 30-day error budget {{ $value | humanize }}× faster than sustainable (page: 14.4× over 1h and 5m, or 6× over 6h and 30m): at this pace it is gone in days.',
      fixture: {
        firing: [s(`${nginx}{status="200"}`, '0+95x10'), s(`${nginx}{status="500"}`, '0+5x10')],
        healthy: [s(`${nginx}{status="200"}`, '0+100x10'), s(`${nginx}{status="500"}`, '0+0x10')],
        trueFromMinutes: 1,
        labels: gatewaySlo,
        valueText: '50',
      },
    },
    {
      alert: 'SLOErrorBudgetBurn',
      expr: 'slo:burn_rate:ratio_rate3d > 1 and slo:burn_rate:ratio_rate6h > 1',
      forMinutes: FOR_MINUTES.sloTicket,
      severity: 'ticket',
      summary: 'SLO {{ $labels.slo }} is spending its error budget too fast',
      description:
        'SLO {{ $labels.slo }} burns its 30-day error budget {{ $value | humanize }}× faster than sustainable over 3 days and 6 hours (ticket: above 1×).',
      fixture: {
        firing: [s(`${nginx}{status="200"}`, '0+998x70'), s(`${nginx}{status="500"}`, '0+2x70')],
        healthy: [s(`${nginx}{status="200"}`, '0+1000x70'), s(`${nginx}{status="500"}`, '0+0x70')],
        trueFromMinutes: 1,
        labels: gatewaySlo,
        valueText: '2',
      },
    },
  ],
};

const model = { model_name: 'm' };

/** Model serving, PostgreSQL and Redis. */
export const platformAlerts: RuleGroup = {
  name: 'platform-alerts',
  alerts: [
    {
      alert: 'ModelInferenceFailures',
      expr: `model_name_reason:model_inference_failure:ratio_rate5m > ${T.inferenceFailureRatio}`,
      forMinutes: FOR_MINUTES.inferenceFailure,
      severity: 'page',
      labels: { service: 'model-serving' },
      summary: 'Model {{ $labels.model_name }} fails with {{ $labels.reason }}',
      description: `{{ $value | humanizePercentage }} of inferences of {{ $labels.model_name }} failed with reason {{ $labels.reason }} over 5 minutes, above ${pct(T.inferenceFailureRatio)}.`,
      fixture: {
        firing: [
          s(`${modelInferenceSuccessTotal.name}{model_name="m"}`, '0+48x20'),
          s(`${modelInferenceFailureTotal.name}{model_name="m",reason="timeout"}`, '0+12x20'),
        ],
        healthy: [
          s(`${modelInferenceSuccessTotal.name}{model_name="m"}`, '0+59x20'),
          s(`${modelInferenceFailureTotal.name}{model_name="m",reason="timeout"}`, '0+1x20'),
        ],
        trueFromMinutes: 1,
        labels: { ...model, reason: 'timeout' },
        valueText: '20%',
      },
    },
    {
      alert: 'ModelTokenThroughputCollapse',
      expr: `model_name:model_output_tokens:rate5m < ${T.tokenThroughputCollapseRatio} * (model_name:model_output_tokens:rate5m offset 1h)`,
      forMinutes: FOR_MINUTES.tokenCollapse,
      severity: 'page',
      labels: { service: 'model-serving' },
      summary: 'Token throughput of {{ $labels.model_name }} collapsed',
      description: `{{ $labels.model_name }} generates {{ $value | humanize }} tokens/s, less than ${pct(T.tokenThroughputCollapseRatio)} of an hour ago.`,
      fixture: {
        firing: [s(`${modelOutputTokensTotal.name}{model_name="m"}`, '0+3000x60 180300+300x30')],
        healthy: [s(`${modelOutputTokensTotal.name}{model_name="m"}`, '0+3000x90')],
        // An hour earlier the 5-minute rate was still filling up (40 tokens/s at 4m): true from 64m.
        trueFromMinutes: 64,
        labels: model,
        valueText: '5',
      },
    },
    {
      alert: 'ModelTimeToFirstTokenHigh',
      expr: `model_name:model_time_to_first_token_seconds:p90_rate5m > ${T.ttftP90Seconds}`,
      forMinutes: FOR_MINUTES.ttft,
      severity: 'ticket',
      labels: { service: 'model-serving' },
      summary: '{{ $labels.model_name }} is slow to start answering',
      description: `p90 time to first token of {{ $labels.model_name }} is {{ $value | humanize }}s over 5 minutes, above ${T.ttftP90Seconds}s.`,
      fixture: {
        firing: [
          s(`${modelTimeToFirstTokenSeconds.name}_bucket{model_name="m",le="1"}`, '0+0x20'),
          s(`${modelTimeToFirstTokenSeconds.name}_bucket{model_name="m",le="2.5"}`, '0+60x20'),
          s(`${modelTimeToFirstTokenSeconds.name}_bucket{model_name="m",le="+Inf"}`, '0+60x20'),
        ],
        healthy: [
          s(`${modelTimeToFirstTokenSeconds.name}_bucket{model_name="m",le="1"}`, '0+60x20'),
          s(`${modelTimeToFirstTokenSeconds.name}_bucket{model_name="m",le="2.5"}`, '0+60x20'),
          s(`${modelTimeToFirstTokenSeconds.name}_bucket{model_name="m",le="+Inf"}`, '0+60x20'),
        ],
        trueFromMinutes: 1,
        labels: model,
        valueText: '2.35',
      },
    },
    {
      alert: 'PostgresConnectionsNearLimit',
      expr: `instance:pg_stat_activity_count:sum / on (namespace, job, instance) max by (namespace, job, instance) (${pgSettingsMaxConnections.name}) > ${T.pgConnectionSaturationRatio}`,
      forMinutes: FOR_MINUTES.pgConnections,
      severity: 'page',
      labels: { service: 'postgres' },
      summary: 'PostgreSQL {{ $labels.instance }} is running out of connections',
      description: `{{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections, above ${pct(T.pgConnectionSaturationRatio)}: new connections will soon be refused.`,
      fixture: {
        firing: [
          s(`${pgStatActivityCount.name}{instance="pg",datname="opsight",state="active"}`, '90+0x20'),
          s(`${pgSettingsMaxConnections.name}{instance="pg"}`, '100+0x20'),
        ],
        healthy: [
          s(`${pgStatActivityCount.name}{instance="pg",datname="opsight",state="active"}`, '20+0x20'),
          s(`${pgSettingsMaxConnections.name}{instance="pg"}`, '100+0x20'),
        ],
        trueFromMinutes: 0,
        labels: { instance: 'pg' },
        valueText: '90%',
      },
    },
    {
      alert: 'RedisHitRateCollapse',
      expr: `instance:redis_keyspace_hit:ratio_rate5m < ${T.redisHitRateCollapseRatio} * (instance:redis_keyspace_hit:ratio_rate5m offset 1h)`,
      forMinutes: FOR_MINUTES.redisHitRate,
      severity: 'ticket',
      labels: { service: 'redis' },
      summary: 'Redis {{ $labels.instance }} cache hit ratio collapsed',
      description: `Redis {{ $labels.instance }} answers {{ $value | humanizePercentage }} of lookups from cache over 5 minutes, less than ${pct(T.redisHitRateCollapseRatio)} of its ratio an hour ago.`,
      fixture: {
        firing: [
          s(`${redisKeyspaceHitsTotal.name}{instance="redis"}`, '0+90x60 5410+10x30'),
          s(`${redisKeyspaceMissesTotal.name}{instance="redis"}`, '0+10x60 690+90x30'),
        ],
        healthy: [
          s(`${redisKeyspaceHitsTotal.name}{instance="redis"}`, '0+90x90'),
          s(`${redisKeyspaceMissesTotal.name}{instance="redis"}`, '0+10x90'),
        ],
        trueFromMinutes: 63,
        labels: { instance: 'redis' },
        valueText: '10%',
      },
    },
  ],
};

/** The telemetry pipeline itself: scrapes, rule evaluation, log shipping, span export. */
export const pipelineAlerts: RuleGroup = {
  name: 'telemetry-pipeline-alerts',
  alerts: [
    {
      alert: 'TargetScrapesFailing',
      expr: `(1 - avg_over_time(${up.name}[10m])) > ${T.scrapeFailureRatio} and ${up.name} == 1`,
      forMinutes: FOR_MINUTES.scrapeFailures,
      severity: 'ticket',
      labels: { service: 'telemetry' },
      summary: 'Scrapes of {{ $labels.instance }} keep failing',
      description: `{{ $value | humanizePercentage }} of the scrapes of {{ $labels.instance }} (job {{ $labels.job }}) failed over 10 minutes, above ${pct(T.scrapeFailureRatio)}, though it is up now: its metrics have gaps.`,
      fixture: {
        firing: [s(`${up.name}{job="svc",instance="i"}`, '1 0 0 1+0x17')],
        healthy: [s(`${up.name}{job="svc",instance="i"}`, '1+0x20')],
        trueFromMinutes: 3,
        labels: { job: 'svc', instance: 'i' },
        valueText: '22.22%',
      },
    },
    {
      alert: 'PrometheusRuleEvaluationFailures',
      expr: `sum by (namespace, job, instance, rule_group) (increase(${prometheusRuleEvaluationFailuresTotal.name}[5m])) > 0`,
      forMinutes: FOR_MINUTES.ruleFailures,
      severity: 'ticket',
      labels: { service: 'telemetry' },
      summary: 'Rules of {{ $labels.rule_group }} fail to evaluate',
      description:
        '{{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} failed over 5 minutes: its recorded series and alerts are missing.',
      fixture: {
        firing: [s(`${prometheusRuleEvaluationFailuresTotal.name}{rule_group="g"}`, '0 0 1+1x20')],
        healthy: [s(`${prometheusRuleEvaluationFailuresTotal.name}{rule_group="g"}`, '0+0x20')],
        trueFromMinutes: 2,
        labels: { rule_group: 'g' },
        valueText: '5',
      },
    },
    {
      alert: 'LogShipperLag',
      expr: `max by (namespace, job, instance) (${collectorLagSeconds.name}) > ${T.logShipperLagSeconds}`,
      forMinutes: FOR_MINUTES.logShipperLag,
      severity: 'ticket',
      labels: { service: 'telemetry' },
      summary: 'Logs reach the log store late',
      description: `The log collector {{ $labels.instance }} is {{ $value | humanizeDuration }} behind, more than ${T.logShipperLagSeconds}s: recent logs are missing from queries.`,
      fixture: {
        firing: [s(`${collectorLagSeconds.name}{job="collector",instance="c"}`, '0 10 70+60x10')],
        healthy: [s(`${collectorLagSeconds.name}{job="collector",instance="c"}`, '0 10 5 1 0 3 0 0 0 0 0')],
        trueFromMinutes: 2,
        labels: { job: 'collector', instance: 'c' },
        valueText: '6m 10s',
      },
    },
    {
      alert: 'LogEntriesDropped',
      expr: `sum by (namespace, job, instance, reason) (increase(${collectorEntriesDroppedTotal.name}[5m])) > 0`,
      forMinutes: FOR_MINUTES.logEntriesDropped,
      severity: 'ticket',
      labels: { service: 'telemetry' },
      summary: 'The log store rejects log entries',
      description:
        'The log store rejected {{ $value | humanize }} entries from {{ $labels.instance }} for good over 5 minutes (reason {{ $labels.reason }}): they are lost.',
      fixture: {
        firing: [
          s(
            `${collectorEntriesDroppedTotal.name}{job="collector",instance="c",reason="too_old"}`,
            '0 0 1+1x20',
          ),
        ],
        healthy: [
          s(`${collectorEntriesDroppedTotal.name}{job="collector",instance="c",reason="too_old"}`, '0+0x20'),
        ],
        trueFromMinutes: 2,
        labels: { job: 'collector', instance: 'c', reason: 'too_old' },
        valueText: '5',
      },
    },
    {
      alert: 'TraceSpansDropped',
      expr: `sum by (namespace, job, instance, reason) (rate(${telemetrySpansDroppedTotal.name}[5m])) > 0`,
      forMinutes: FOR_MINUTES.spansDropped,
      severity: 'ticket',
      labels: { service: 'telemetry' },
      summary: '{{ $labels.job }} drops spans',
      description:
        '{{ $labels.job }} ({{ $labels.instance }}) drops {{ $value | printf "%.2f" }} spans/s (reason {{ $labels.reason }}): traces are incomplete.',
      fixture: {
        firing: [
          s(`${telemetrySpansDroppedTotal.name}{job="svc",instance="i",reason="queue_full"}`, '0+6x20'),
        ],
        healthy: [
          s(`${telemetrySpansDroppedTotal.name}{job="svc",instance="i",reason="queue_full"}`, '0+0x20'),
        ],
        trueFromMinutes: 1,
        labels: { job: 'svc', instance: 'i', reason: 'queue_full' },
        valueText: '0.10',
      },
    },
  ],
};
