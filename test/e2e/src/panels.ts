import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNvidiaSmi } from '@opsight/cli';
import { GENERATED_DIR, type NoDataExceptions, type PanelQuery, panelQueries } from '@opsight/dashboards';
import { eventually, port, promQuery, root, secret } from './env.js';

const GATEWAY = `http://127.0.0.1:${port(8080)}`;
const SERVINGS = [8090, 8091, 8092].map(port);
const MODELS = ['chat-fast', 'chat-large', 'chat-small'];

/** The generated dashboards as Grafana provisions them (the committed JSON), in file-name order. */
export function generatedDashboards(): { uid: string; title: string; panels: { title: string }[] }[] {
  const dir = join(root, GENERATED_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

/** Every panel query of every generated dashboard. */
export function generatedPanelQueries(): PanelQuery[] {
  return generatedDashboards().flatMap((d) => panelQueries(d));
}

/**
 * Panels allowed to show no data on the e2e stack, each with its reason. Only the GPU panels, and only
 * where this host has no nvidia-smi (the stack then runs no GPU exporter, as a node without a GPU runs no
 * dcgm-exporter). Every other panel, the long-window SLO and capacity ones included, has data within
 * seconds of traffic: range functions work on partial windows and the forecasts fit on stored series.
 */
export function noDataExceptions(): NoDataExceptions {
  if (findNvidiaSmi()) return {};
  const out: Record<string, string> = {};
  for (const q of generatedPanelQueries())
    if (/\bdcgm_/.test(q.expr))
      out[`${q.dashboard} / ${q.panel}`] = 'no nvidia-smi on this host: the stack runs no GPU exporter';
  return out;
}

async function setFaults(body: object | undefined): Promise<void> {
  await Promise.all(
    SERVINGS.map(async (p) => {
      const res = await fetch(`http://127.0.0.1:${p}/admin/faults`, {
        method: body ? 'POST' : 'DELETE',
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`faults on model-serving :${p}: HTTP ${res.status}`);
    }),
  );
}

async function chat(model: string): Promise<number> {
  const res = await fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret('loadgen-api-key')}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'panels' }], max_tokens: 4 }),
  });
  await res.arrayBuffer();
  return res.status;
}

const has = async (query: string) => (await promQuery(query)).length > 0;

/**
 * Brings the stack to where every panel has something true to show: waits (bounded) until the stack's
 * loadgen has sent traffic through the gateway to the models, then, unless failures were already seen,
 * makes every model-serving instance overloaded for a few requests, so that the failure panels (5xx
 * rate, failed inferences by reason, gRPC errors, the model router's ERROR lines, the SLO burn rates)
 * show real failures, and waits until every model answers again. Idempotent: a second call only checks.
 */
export async function producePanelTraffic(): Promise<void> {
  await eventually(
    'loadgen\'s traffic through the gateway to the models (sum(rate(nginx_http_requests_total{status="200"}[1m])) > 0 and model_output_tokens_total)',
    async () =>
      (await has('sum(rate(nginx_http_requests_total{status="200"}[1m])) > 0')) &&
      (await has('model_output_tokens_total')),
    120_000,
  );
  const failuresSeen = async () =>
    (await has('nginx_http_requests_total{status=~"5.."}')) &&
    (await has('model_inference_failure_total')) &&
    (await has('grpc_server_handled_total{grpc_code!="OK"}'));
  if (await failuresSeen()) return;
  await setFaults({ overloadRate: 1 });
  try {
    await eventually(
      'a 5xx from the gateway while every model-serving instance is overloaded',
      async () => (await chat('chat-fast')) >= 500,
      30_000,
    );
  } finally {
    await setFaults(undefined);
  }
  await eventually('the failures in Prometheus (5xx, failed inferences, gRPC errors)', failuresSeen, 30_000);
  // Leave the stack as found: every model answers again (circuit breakers closed).
  for (const model of MODELS)
    await eventually(`${model} answering again`, async () => (await chat(model)) === 200, 60_000);
}
