import { pgDatabaseSizeBytes, redisMemoryUsedBytes } from '@opsight/catalog';
import type { RuleGroup } from '../rule.js';

/** Capacity planning (strategy 1.1, docs/architecture.md): linear trends of the last day, projected. */
export const capacity: RuleGroup = {
  name: 'capacity',
  expectAtMinutes: 60,
  input: [
    { series: 'cluster:nginx_http_requests:rate1m', values: '1+0.01x60' },
    { series: 'model_name:model_output_tokens:rate1m{model_name="sim-small"}', values: '50+1x60' },
    { series: `${pgDatabaseSizeBytes.name}{instance="pg",datname="opsight"}`, values: '1000000+1000x60' },
    { series: `${redisMemoryUsedBytes.name}{instance="redis"}`, values: '1000000+600x60' },
  ],
  recording: [
    {
      record: 'cluster:nginx_http_requests:rate1m_predict_linear7d',
      comment: 'Gateway request rate a week from now, from the trend of the last day.',
      expr: 'predict_linear(cluster:nginx_http_requests:rate1m[1d], 7 * 86400)',
      expect: [{ labels: {}, value: 102.4 }],
    },
    {
      record: 'model_name:model_output_tokens:rate1m_predict_linear7d',
      comment: 'Tokens per second per model a week from now.',
      expr: 'predict_linear(model_name:model_output_tokens:rate1m[1d], 7 * 86400)',
      expect: [{ labels: { model_name: 'sim-small' }, value: 10190 }],
    },
    {
      record: 'datname:pg_database_size_bytes:predict_linear30d',
      comment: 'Database size 30 days from now.',
      expr: `predict_linear(${pgDatabaseSizeBytes.name}[1d], 30 * 86400)`,
      expect: [{ labels: { instance: 'pg', datname: 'opsight' }, value: 44260000 }],
    },
    {
      record: 'instance:redis_memory_used_bytes:predict_linear7d',
      comment: 'Redis memory a week from now.',
      expr: `predict_linear(${redisMemoryUsedBytes.name}[1d], 7 * 86400)`,
      expect: [{ labels: { instance: 'redis' }, value: 7084000 }],
    },
  ],
};
