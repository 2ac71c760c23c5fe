import { trace } from '@opentelemetry/api';
import {
  INFERENCE_FAILURE_REASONS,
  MODEL_OTHER,
  modelInferenceFailureTotal,
  modelInferenceLatencySeconds,
  modelInferenceSuccessTotal,
  modelInputTokensTotal,
  modelInterTokenLatencySeconds,
  modelOutputTokensTotal,
  modelQueueTimeSeconds,
  modelTimeToFirstTokenSeconds,
  SpanAttr,
} from '@opsight/catalog';
import { boundedLabel, type LabelMapper } from '../metrics/bounded-label.js';
import { observeWithTrace } from '../metrics/exemplars.js';
import { runtimeOf, type Telemetry } from '../telemetry.js';

/** One finished model inference. Durations are in seconds. */
export interface InferenceRecord {
  /** Model name as requested; names outside the recorder's set are recorded as `other`. */
  model: string;
  outcome: 'success' | 'failure';
  /** For failures: one of INFERENCE_FAILURE_REASONS; anything else is recorded as `other`. */
  reason?: string;
  /** End-to-end latency, accept to last token. */
  latency: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Time to first token. */
  ttft?: number;
  /** Time spent queued before the model started. */
  queueTime?: number;
}

/** Records inferences into the `model_*` families; `setModels` replaces the allowed model names. */
export interface RecordInference {
  (record: InferenceRecord): void;
  setModels(models: Iterable<string>): void;
}

export interface InferenceRecorderOptions {
  /** Allowed `model_name` values (the routing table). */
  models: Iterable<string>;
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
}

const validDuration = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;
const validCount = (v: number | undefined): v is number => v !== undefined && Number.isInteger(v) && v >= 0;

/**
 * Creates `recordInference`: success/failure counters, latency / TTFT / inter-token / queue-time
 * histograms (trace_id exemplars), token counters, and gen_ai.* attributes on the active span. Invalid
 * numbers are skipped and reported once per interval, never thrown into the request path.
 */
export function createInferenceRecorder(options: InferenceRecorderOptions): RecordInference {
  const runtime = runtimeOf(options.telemetry);
  const m = runtime.metrics;
  const success = m.counter(modelInferenceSuccessTotal);
  const failure = m.counter(modelInferenceFailureTotal);
  const latency = m.histogram(modelInferenceLatencySeconds);
  const ttft = m.histogram(modelTimeToFirstTokenSeconds);
  const interToken = m.histogram(modelInterTokenLatencySeconds);
  const queue = m.histogram(modelQueueTimeSeconds);
  const output = m.counter(modelOutputTokensTotal);
  const input = m.counter(modelInputTokensTotal);
  const mapped = runtime.self.labelValuesMapped;
  const reasonOf = boundedLabel(INFERENCE_FAILURE_REASONS, 'other', {
    counter: mapped,
    metric: modelInferenceFailureTotal.name,
    label: 'reason',
  });
  let modelOf: LabelMapper;
  const setModels = (models: Iterable<string>): void => {
    modelOf = boundedLabel(models, MODEL_OTHER, { counter: mapped, metric: 'model_*', label: 'model_name' });
  };
  setModels(options.models);

  const record = (r: InferenceRecord): void => {
    const labels = { model_name: modelOf(r.model) };
    const span = trace.getActiveSpan();
    const spanContext = span?.spanContext();
    if (r.outcome === 'success') success.inc(labels);
    else failure.inc({ model_name: labels.model_name, reason: reasonOf(r.reason) });
    const bad: string[] = [];
    if (validDuration(r.latency)) observeWithTrace(latency, labels, r.latency, spanContext);
    else bad.push('latency');
    if (r.ttft !== undefined) {
      if (validDuration(r.ttft)) observeWithTrace(ttft, labels, r.ttft, spanContext);
      else bad.push('ttft');
    }
    if (r.queueTime !== undefined) {
      if (validDuration(r.queueTime)) queue.observe({ labels, value: r.queueTime });
      else bad.push('queueTime');
    }
    if (r.outputTokens !== undefined) {
      if (validCount(r.outputTokens)) output.inc(labels, r.outputTokens);
      else bad.push('outputTokens');
    }
    if (r.inputTokens !== undefined) {
      if (validCount(r.inputTokens)) input.inc(labels, r.inputTokens);
      else bad.push('inputTokens');
    }
    if (
      validDuration(r.latency) &&
      validDuration(r.ttft) &&
      validCount(r.outputTokens) &&
      r.outputTokens > 1
    ) {
      interToken.observe({ labels, value: Math.max(0, r.latency - r.ttft) / (r.outputTokens - 1) });
    }
    if (bad.length > 0) runtime.errors.report('record-inference', new Error(`invalid ${bad.join(', ')}`));
    if (span?.isRecording()) {
      span.setAttribute(SpanAttr.genAiRequestModel, r.model);
      if (validCount(r.inputTokens)) span.setAttribute(SpanAttr.genAiUsageInputTokens, r.inputTokens);
      if (validCount(r.outputTokens)) span.setAttribute(SpanAttr.genAiUsageOutputTokens, r.outputTokens);
    }
  };
  return Object.assign(record, { setModels });
}
