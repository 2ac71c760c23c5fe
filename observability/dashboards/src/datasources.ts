import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/**
 * The data sources every dashboard refers to, by fixed uid. Grafana provisioning
 * (observability/grafana/provisioning/datasources) creates them with these uids, and the console maps
 * each uid to the local engine it proxies to.
 */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'opsight-prometheus' },
  loki: { type: 'loki', uid: 'opsight-loki' },
  jaeger: { type: 'jaeger', uid: 'opsight-jaeger' },
  alertmanager: { type: 'alertmanager', uid: 'opsight-alertmanager' },
} as const satisfies Record<string, DataSourceRef & { type: string; uid: string }>;

/** A data source of {@link DATASOURCES}. */
export type DatasourceName = keyof typeof DATASOURCES;
