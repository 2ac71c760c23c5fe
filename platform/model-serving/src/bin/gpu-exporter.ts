#!/usr/bin/env node
// opsight-gpu-exporter: DCGM_FI_DEV_GPU_UTIL and DCGM_FI_DEV_FB_USED from nvidia-smi, with dcgm-exporter's
// labels, for machines without dcgm-exporter (dcgm-exporter is the production path).
//
//   node platform/model-serving/dist/src/bin/gpu-exporter.js [--listen 127.0.0.1:9400] [--nvidia-smi PATH]
//
// GET /metrics runs nvidia-smi once per scrape (500 when it fails, the reason on stderr); GET /healthz and
// /readyz.
import { parseArgs } from 'node:util';
import { startAdminServer } from '@opsight/telemetry/admin';
import { DcgmExporter } from '../gpu/dcgm-exporter.js';

function usage(message: string): never {
  process.stderr.write(`gpu-exporter: ${message}\n`);
  process.exit(2);
}

let values: { listen?: string; 'nvidia-smi'?: string };
try {
  values = parseArgs({
    options: { listen: { type: 'string', default: '127.0.0.1:9400' }, 'nvidia-smi': { type: 'string' } },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
const listen = values.listen ?? '127.0.0.1:9400';
const idx = listen.lastIndexOf(':');
const host = idx > 0 ? listen.slice(0, idx) : '127.0.0.1';
const port = Number(listen.slice(idx + 1));
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --listen ${listen}`);

const exporter = new DcgmExporter({ nvidiaSmi: values['nvidia-smi'] });
const server = await startAdminServer(
  {
    metrics: { render: (accept) => exporter.scrape(accept) },
    onError: (error) =>
      process.stderr.write(`gpu-exporter: nvidia-smi failed: ${(error as Error).message}\n`),
  },
  { host, port },
).catch((e: Error) => usage(`cannot listen on ${listen}: ${e.message}`));
process.stdout.write(`gpu-exporter listening on http://${server.host}:${server.port}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void server.close().then(() => process.exit(0)));
