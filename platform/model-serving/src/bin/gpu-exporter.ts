#!/usr/bin/env node
// opsight-gpu-exporter: DCGM_FI_DEV_GPU_UTIL and DCGM_FI_DEV_FB_USED from nvidia-smi, with dcgm-exporter's
// labels, for machines without dcgm-exporter (dcgm-exporter is the production path).
//
//   node platform/model-serving/dist/src/bin/gpu-exporter.js [--listen 127.0.0.1:9400] [--nvidia-smi PATH]
//
// GET /metrics runs nvidia-smi once per scrape (503 with the reason when it fails); GET /healthz.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { guardRequestListener } from '@opsight/http-guard';
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
// Host checked (DNS rebinding), writes refused: @opsight/http-guard.
const server = createServer(
  guardRequestListener((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/metrics') {
      exporter.scrape(req.headers.accept).then(
        (e) => res.writeHead(200, { 'content-type': e.contentType }).end(e.body),
        (error: Error) =>
          res.writeHead(503, { 'content-type': 'text/plain' }).end(`nvidia-smi failed: ${error.message}\n`),
      );
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }),
);
server.once('error', (e) => usage(`cannot listen on ${listen}: ${e.message}`));
server.listen(port, host, () => {
  const a = server.address() as AddressInfo;
  process.stdout.write(`gpu-exporter listening on http://${a.address}:${a.port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => server.close(() => process.exit(0)));
