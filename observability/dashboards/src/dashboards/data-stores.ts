import {
  pgReplicationLagSeconds,
  pgStatActivityCount,
  pgStatStatementsTotalTime,
  redisConnectedClients,
  redisKeyspaceHitsTotal,
  redisKeyspaceMissesTotal,
} from '@opsight/catalog';
import type { DashboardSpec } from '../dashboard-spec.js';
import { stat, timeseries } from '../panels.js';

const hits = `sum(rate(${redisKeyspaceHitsTotal.name}[5m]))`;
const misses = `sum(rate(${redisKeyspaceMissesTotal.name}[5m]))`;

export const dataStores: DashboardSpec = {
  uid: 'opsight-data-stores',
  title: 'Data stores',
  description:
    'PostgreSQL connections, statement time and replication lag; Redis clients and hit rate (strategy 1.2).',
  variables: ['namespace'],
  panels: [
    timeseries({
      title: 'PostgreSQL connections by state',
      description: 'Connections to PostgreSQL by state (active, idle, idle in transaction).',
      unit: 'short',
      queries: [
        {
          expr: `sum by (state) (${pgStatActivityCount.name}{namespace=~"$namespace"})`,
          legend: '{{state}}',
        },
      ],
    }),
    timeseries({
      title: 'Statement time (slow statements)',
      description: 'Seconds per second spent executing statements, by database: a rise means slow queries.',
      unit: 's',
      queries: [
        { expr: `sum by (datname) (rate(${pgStatStatementsTotalTime.name}[5m]))`, legend: '{{datname}}' },
      ],
    }),
    timeseries({
      title: 'Replication lag',
      description: 'How far the replica is behind the primary; the strategy alerts above 60 s.',
      unit: 's',
      thresholds: [[60, 'red']],
      queries: [{ expr: `max by (instance) (${pgReplicationLagSeconds.name})`, legend: '{{instance}}' }],
    }),
    timeseries({
      title: 'Redis clients',
      description: 'Client connections to Redis.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (instance) (${redisConnectedClients.name}{namespace=~"$namespace"})`,
          legend: '{{instance}}',
        },
      ],
    }),
    stat({
      title: 'Redis hit rate',
      description: 'Share of key lookups that found their key, over 5 minutes.',
      unit: 'percentunit',
      width: 6,
      queries: [`${hits} / (${hits} + ${misses})`],
    }),
    timeseries({
      title: 'Redis lookups',
      description: 'Keyspace hits and misses per second.',
      unit: 'ops',
      width: 18,
      queries: [
        { expr: hits, legend: 'hits' },
        { expr: misses, legend: 'misses' },
      ],
    }),
  ],
};
