import {
  dcgmGpuUtilization,
  dcgmMemoryUsedBytes,
  modelInferenceFailureTotal,
  modelInferenceLatencySeconds,
  modelInferenceSuccessTotal,
  modelOutputTokensTotal,
  modelTimeToFirstTokenSeconds,
} from '@opsight/catalog';
import type { DashboardSpec } from '../dashboard-spec.js';
import { gauge, timeseries } from '../panels.js';
import { orZeroWhere } from '../zero-fill.js';

const model = 'model_name=~"$model"';
/**
 * One GPU is a node's GPU index: dcgm-exporter numbers each node's GPUs from 0, so `gpu` alone would add up
 * GPU 0 of every node. Grouped by dcgm-exporter's `Hostname` and `gpu` labels.
 */
const perGpu = 'Hostname, gpu';
const gpuLegend = '{{Hostname}} GPU {{gpu}}';

export const modelServing: DashboardSpec = {
  uid: 'opsight-model-serving',
  title: 'Model serving',
  description:
    'Inference success and failure, latency, token throughput, time to first token and GPUs (strategy 1.3).',
  variables: ['model'],
  panels: [
    timeseries({
      title: 'Successful inferences',
      description: 'Successful inferences per second, by model.',
      unit: 'reqps',
      queries: [
        {
          expr: `sum(rate(${modelInferenceSuccessTotal.name}{${model}}[1m])) by (model_name)`,
          legend: '{{model_name}}',
        },
      ],
    }),
    timeseries({
      title: 'Failed inferences by reason',
      description: 'Failed inferences per second, by model and reason (timeout, OOM, upstream error, …).',
      unit: 'reqps',
      queries: [
        {
          // 0 for a model that serves and has not failed, so the panel shows each model, not "No data".
          expr: orZeroWhere(
            `sum(rate(${modelInferenceFailureTotal.name}{${model}}[1m])) by (model_name, reason)`,
            `sum(rate(${modelInferenceSuccessTotal.name}{${model}}[1m])) by (model_name)`,
            ['model_name'],
          ),
          legend: '{{model_name}} {{reason}}',
        },
      ],
    }),
    timeseries({
      title: 'P90 inference latency',
      description: 'End-to-end inference latency, 90th percentile over 5 minutes, by model.',
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.90, sum(rate(${modelInferenceLatencySeconds.name}_bucket{${model}}[5m])) by (le, model_name))`,
          legend: '{{model_name}}',
        },
      ],
    }),
    timeseries({
      title: 'Output tokens per second',
      description: 'Generated tokens per second, by model.',
      unit: 'short',
      queries: [
        {
          expr: `sum(rate(${modelOutputTokensTotal.name}{${model}}[1m])) by (model_name)`,
          legend: '{{model_name}}',
        },
      ],
    }),
    timeseries({
      title: 'Time to first token',
      description: 'Time to the first streamed token, median and 90th percentile over 5 minutes, by model.',
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.5, sum(rate(${modelTimeToFirstTokenSeconds.name}_bucket{${model}}[5m])) by (le, model_name))`,
          legend: '{{model_name}} P50',
        },
        {
          expr: `histogram_quantile(0.9, sum(rate(${modelTimeToFirstTokenSeconds.name}_bucket{${model}}[5m])) by (le, model_name))`,
          legend: '{{model_name}} P90',
        },
      ],
    }),
    timeseries({
      title: 'Failure ratio',
      description: 'Failed inferences as a share of all inferences over 5 minutes, by model.',
      unit: 'percentunit',
      min: 0,
      queries: [
        {
          // Without a failure series the denominator has none either: the zeros follow the successes.
          expr: orZeroWhere(
            `sum(rate(${modelInferenceFailureTotal.name}{${model}}[5m])) by (model_name) / (sum(rate(${modelInferenceSuccessTotal.name}{${model}}[5m])) by (model_name) + sum(rate(${modelInferenceFailureTotal.name}{${model}}[5m])) by (model_name))`,
            `sum(rate(${modelInferenceSuccessTotal.name}{${model}}[5m])) by (model_name)`,
          ),
          legend: '{{model_name}}',
        },
      ],
    }),
    gauge({
      title: 'GPU utilisation',
      description: 'GPU utilisation per GPU of each node (DCGM). No data where no node has a GPU.',
      unit: 'percent',
      min: 0,
      max: 100,
      thresholds: [
        [80, 'orange'],
        [95, 'red'],
      ],
      queries: [{ expr: `avg by (${perGpu}) (${dcgmGpuUtilization.name})`, legend: gpuLegend }],
    }),
    timeseries({
      title: 'GPU memory used',
      description:
        'GPU frame-buffer memory in use per GPU of each node (DCGM). No data where no node has a GPU.',
      unit: 'bytes',
      queries: [{ expr: `sum by (${perGpu}) (${dcgmMemoryUsedBytes.name})`, legend: gpuLegend }],
    }),
  ],
};
