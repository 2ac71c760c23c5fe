// The endpoints Prometheus and the probes call: /ready and /metrics, open without a tenant token.
import type { RouteHandler } from './route.js';

export const ready: RouteHandler = ({ res }) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ready\n');
};

// Open, as Loki serves it: Prometheus scrapes it without a tenant token. It holds counts per tenant
// name, no log content.
export const metrics: RouteHandler = async ({ res, api }) => {
  const { metrics, storage, ingester } = api;
  metrics.storageBytes.set(storage.usedBytes());
  for (const t of ingester.active.tenants()) metrics.streams.set({ tenant: t }, ingester.activeStreams(t));
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType });
  res.end(text);
};
