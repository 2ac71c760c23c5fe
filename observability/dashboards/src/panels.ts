import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BarGaugeDisplayMode,
  LogsSortOrder,
  ReduceDataOptionsBuilder,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as GaugePanel } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCES } from './datasources.js';

/** One query of a panel. */
export interface QuerySpec {
  /** PromQL (Prometheus panels) or LogQL (Loki panels). */
  expr: string;
  /** Series name template (`{{model_name}}`). @default the series labels */
  legend?: string;
  /** Evaluate at the end of the range only (stat, gauge, bar gauge, table). @default false */
  instant?: boolean;
}

/** What every panel has: a title, a description and a unit, so nobody has to guess what a line means. */
export interface PanelSpec {
  title: string;
  description: string;
  /** Grafana unit id: `reqps`, `s`, `percentunit`, `bytes`, `Bps`, `short`, `none`. */
  unit: string;
  queries: readonly (QuerySpec | string)[];
  /** Width in grid columns (of 24). @default 12 */
  width?: number;
  /** Height in grid rows. @default 8 */
  height?: number;
  /** Lower bound of the value axis or gauge. @default none */
  min?: number;
  /** Upper bound of the value axis or gauge. @default none */
  max?: number;
  /** Threshold steps above the base colour, `[value, colour]`. @default none */
  thresholds?: readonly (readonly [number, string])[];
}

const refId = (i: number) => String.fromCharCode(65 + i);
const query = (q: QuerySpec | string): QuerySpec => (typeof q === 'string' ? { expr: q } : q);

function promTargets(spec: PanelSpec, instant: boolean, exemplar: boolean): PromQuery[] {
  return spec.queries.map(query).map((q, i) => {
    const b = new PromQuery().refId(refId(i)).expr(q.expr).datasource(DATASOURCES.prometheus);
    if (q.legend !== undefined) b.legendFormat(q.legend);
    if (instant || q.instant) b.instant();
    else b.range();
    if (exemplar) b.exemplar(true);
    return b;
  });
}

function thresholds(spec: PanelSpec): ThresholdsConfigBuilder {
  const steps = [
    { value: null, color: 'green' },
    ...(spec.thresholds ?? []).map(([value, color]) => ({ value, color })),
  ];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

const lastValue = () => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);

type Common = TimeseriesPanel | StatPanel | GaugePanel | BarGaugePanel | TablePanel;

function common<B extends Common>(b: B, spec: PanelSpec): B {
  b.title(spec.title).description(spec.description).unit(spec.unit).datasource(DATASOURCES.prometheus);
  b.span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .thresholds(thresholds(spec));
  if (spec.min !== undefined) b.min(spec.min);
  if (spec.max !== undefined) b.max(spec.max);
  return b;
}

/** A time series of Prometheus range queries, with exemplars (click one to open its trace). */
export function timeseries(spec: PanelSpec): cog.Builder<Panel> {
  const b = common(new TimeseriesPanel(), spec).fillOpacity(10).lineWidth(1);
  for (const t of promTargets(spec, false, true)) b.withTarget(t);
  return b;
}

/** One big number: the last value of an instant query. */
export function stat(spec: PanelSpec): cog.Builder<Panel> {
  const b = common(new StatPanel(), spec).reduceOptions(lastValue());
  for (const t of promTargets(spec, true, false)) b.withTarget(t);
  return b;
}

/** A dial between `min` and `max`. */
export function gauge(spec: PanelSpec): cog.Builder<Panel> {
  const b = common(new GaugePanel(), spec).reduceOptions(lastValue());
  for (const t of promTargets(spec, true, false)) b.withTarget(t);
  return b;
}

/** Horizontal bars, one per series: compares series at a glance. */
export function barGauge(spec: PanelSpec): cog.Builder<Panel> {
  const b = common(new BarGaugePanel(), spec)
    .reduceOptions(lastValue())
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Gradient);
  for (const t of promTargets(spec, true, false)) b.withTarget(t);
  return b;
}

/** A table of instant series, one row per series. */
export function table(spec: PanelSpec): cog.Builder<Panel> {
  const b = common(new TablePanel(), spec);
  for (const t of promTargets(spec, true, false)) b.withTarget(t);
  return b;
}

/** A time series of LogQL metric queries (on the log store). */
export function logMetrics(spec: PanelSpec): cog.Builder<Panel> {
  const b = common(new TimeseriesPanel(), spec).datasource(DATASOURCES.loki).fillOpacity(10);
  spec.queries.map(query).forEach((q, i) => {
    const t = new LokiQuery().refId(refId(i)).expr(q.expr).datasource(DATASOURCES.loki).range(true);
    if (q.legend !== undefined) t.legendFormat(q.legend);
    b.withTarget(t);
  });
  return b;
}

/** Log lines of a LogQL log query, newest first; each line links to its trace. */
export function logs(spec: Omit<PanelSpec, 'unit'>): cog.Builder<Panel> {
  const b = new LogsPanel()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCES.loki)
    .span(spec.width ?? 24)
    .height(spec.height ?? 10)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(LogsSortOrder.Descending);
  spec.queries.map(query).forEach((q, i) => {
    b.withTarget(new LokiQuery().refId(refId(i)).expr(q.expr).datasource(DATASOURCES.loki).maxLines(200));
  });
  return b;
}
