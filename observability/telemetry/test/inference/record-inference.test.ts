import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createInferenceRecorder } from '../../src/inference/record-inference.js';
import { startTestTelemetry, type TestTelemetry } from '../support/telemetry.js';

let t: TestTelemetry;
before(() => {
  t = startTestTelemetry();
});
after(() => t.telemetry.shutdown());

const sample = (body: string, name: string): number => {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
};

test('the model_* families, with bounded model names and reasons', async () => {
  const recordInference = createInferenceRecorder({ models: ['gpt-4o', 'llama-3-8b'] });
  await t.telemetry.tracer.startActiveSpan('inference', async (span) => {
    recordInference({
      model: 'gpt-4o',
      outcome: 'success',
      latency: 2.5,
      ttft: 0.5,
      inputTokens: 12,
      outputTokens: 101,
    });
    span.end();
  });
  recordInference({ model: 'gpt-4o', outcome: 'failure', reason: 'timeout', latency: 30 });
  recordInference({ model: 'made-up-model', outcome: 'failure', reason: 'cosmic rays', latency: 1 });
  recordInference({
    model: 'llama-3-8b',
    outcome: 'success',
    latency: 0.2,
    queueTime: 0.05,
    outputTokens: 1,
  });

  const { body } = await t.telemetry.metrics.render();
  assert.equal(sample(body, 'model_inference_success_total{model_name="gpt-4o"}'), 1);
  assert.equal(sample(body, 'model_inference_failure_total{model_name="gpt-4o",reason="timeout"}'), 1);
  assert.equal(sample(body, 'model_inference_failure_total{model_name="other",reason="other"}'), 1);
  assert.equal(sample(body, 'model_output_tokens_total{model_name="gpt-4o"}'), 101);
  assert.equal(sample(body, 'model_input_tokens_total{model_name="gpt-4o"}'), 12);
  assert.equal(sample(body, 'model_inference_latency_seconds_count{model_name="gpt-4o"}'), 2);
  assert.equal(sample(body, 'model_inference_latency_seconds_bucket{le="60",model_name="gpt-4o"}'), 2);
  assert.equal(sample(body, 'model_time_to_first_token_seconds_sum{model_name="gpt-4o"}'), 0.5);
  assert.equal(sample(body, 'model_inter_token_latency_seconds_sum{model_name="gpt-4o"}'), 0.02);
  assert.equal(sample(body, 'model_queue_time_seconds_count{model_name="llama-3-8b"}'), 1);
  assert.equal(body.includes('made-up-model'), false);
  assert.equal(body.includes('cosmic rays'), false);
  assert.equal(
    sample(
      body,
      'opsight_telemetry_label_values_mapped_total{metric="model_inference_failure_total",label="reason"}',
    ),
    1,
  );

  const [span] = await t.finished();
  assert.equal(span!.attributes['gen_ai.request.model'], 'gpt-4o');
  assert.equal(span!.attributes['gen_ai.usage.output_tokens'], 101);
  const om = await t.telemetry.metrics.render('application/openmetrics-text');
  assert.match(
    om.body,
    new RegExp(
      `^model_inference_latency_seconds_bucket\\{le="5",model_name="gpt-4o"\\} 1 # \\{trace_id="${span!.spanContext().traceId}"\\} 2.5`,
      'm',
    ),
  );
});

test('the allowed models can change; invalid numbers are skipped and reported, never thrown', async () => {
  const recordInference = createInferenceRecorder({ models: ['a'] });
  recordInference.setModels(['b']);
  recordInference({ model: 'b', outcome: 'success', latency: Number.NaN, outputTokens: -3, ttft: -1 });
  recordInference({ model: 'a', outcome: 'success', latency: 1 });
  const { body } = await t.telemetry.metrics.render();
  assert.equal(sample(body, 'model_inference_success_total{model_name="b"}'), 1);
  assert.equal(sample(body, 'model_inference_latency_seconds_count{model_name="b"}'), Number.NaN);
  assert.equal(sample(body, 'model_output_tokens_total{model_name="b"}'), Number.NaN);
  assert.ok(sample(body, 'opsight_telemetry_errors_total{component="record-inference"}') >= 1);
  const warned = t.logs.records().find((r) => r.message === 'telemetry record-inference error');
  assert.ok(warned, 'the skipped values are reported');
  assert.match(String((warned.error as { message: string }).message), /invalid latency, ttft, outputTokens/);
});
