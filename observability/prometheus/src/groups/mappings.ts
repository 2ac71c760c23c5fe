import {
  apiKeyExpiryDays,
  apiKeyExpiryTimestampSeconds,
  dcgmFiDevFbUsed,
  dcgmFiDevGpuUtil,
  dcgmGpuUtilization,
  dcgmMemoryUsedBytes,
  pgReplicationLagSeconds,
  pgReplicationStandbyReplayLagSeconds,
  pgStatStatementsSecondsTotal,
  pgStatStatementsTotalTime,
} from '@opsight/catalog';
import type { RuleGroup } from '../rule.js';

/**
 * docs/architecture.md, "Metrics": where the real exporter's name differs from the strategy's, a
 * recording rule produces the strategy's name, so every query of the strategy works as written.
 */
export const mappings: RuleGroup = {
  name: 'strategy-name-mappings',
  expectAtMinutes: 10,
  input: [
    { series: `${dcgmFiDevGpuUtil.name}{gpu="0",Hostname="node-1"}`, values: '87+0x10' },
    { series: `${dcgmFiDevFbUsed.name}{gpu="0",Hostname="node-1"}`, values: '2048+0x10' },
    {
      series: `${pgStatStatementsSecondsTotal.name}{instance="pg",user="api",datname="opsight",queryid="1"}`,
      values: '0+6x10',
    },
    {
      series: `${pgStatStatementsSecondsTotal.name}{instance="pg",user="api",datname="opsight",queryid="2"}`,
      values: '0+3x10',
    },
    {
      series: `${pgReplicationStandbyReplayLagSeconds.name}{instance="pg",application_name="replica"}`,
      values: '12+0x10',
    },
    // 600 s (the evaluation time) plus three days.
    { series: `${apiKeyExpiryTimestampSeconds.name}{key_id="k1"}`, values: '259800+0x10' },
  ],
  recording: [
    {
      record: dcgmGpuUtilization.name,
      comment: 'dcgm-exporter reports DCGM_FI_DEV_GPU_UTIL in percent, as the strategy expects.',
      expr: dcgmFiDevGpuUtil.name,
      expect: [{ labels: { gpu: '0', Hostname: 'node-1' }, value: 87 }],
    },
    {
      record: dcgmMemoryUsedBytes.name,
      comment: 'dcgm-exporter reports frame buffer use in MiB.',
      expr: `${dcgmFiDevFbUsed.name} * 1048576`,
      expect: [{ labels: { gpu: '0', Hostname: 'node-1' }, value: 2147483648 }],
    },
    {
      record: pgStatStatementsTotalTime.name,
      comment:
        'Execution time per database from the per-statement counters (a statement leaving the top 100 looks like a counter reset).',
      expr: `sum by (namespace, job, instance, datname) (${pgStatStatementsSecondsTotal.name})`,
      expect: [{ labels: { instance: 'pg', datname: 'opsight' }, value: 90 }],
    },
    {
      record: pgReplicationLagSeconds.name,
      comment: "Replay lag of each standby as the primary sees it (pg_stat_replication's replay_lag).",
      expr: `max by (namespace, job, instance, application_name) (${pgReplicationStandbyReplayLagSeconds.name})`,
      expect: [{ labels: { instance: 'pg', application_name: 'replica' }, value: 12 }],
    },
    {
      record: apiKeyExpiryDays.name,
      comment: 'The api-service exports the expiry time; the strategy alerts on days left.',
      expr: `(${apiKeyExpiryTimestampSeconds.name} - time()) / 86400`,
      expect: [{ labels: { key_id: 'k1' }, value: 3 }],
    },
  ],
};
