import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';

/**
 * How the load generator runs as a workload: `loadgen steady` sending background traffic through the
 * gateway until stopped. It serves nothing, so it has no ports and no probes.
 */
export const loadgenWorkload: WorkloadDescriptor = {
  name: 'loadgen',
  namespace: 'platform',
  summary: 'Traffic scenarios through the gateway, with their ground truth written to a file',
  binary: nodeBinary('@opsight/loadgen', 'loadgen', new URL('./bin/loadgen.js', import.meta.url)),
  flags: {
    gateway: { description: "The gateway's base URL", default: 'http://127.0.0.1:8080' },
    rate: { description: 'Requests per second', default: '5' },
    duration: { description: 'How long to send (0: until stopped)', default: '60s' },
    out: { description: 'File of the ground truth' },
    'key-file': { description: 'File whose first line is the API key' },
    'expired-key-file': { description: 'File holding an expired API key (the key-expiry scenario)' },
    models: { description: 'Models to use, comma-separated' },
    seed: { description: 'Random seed', default: '1' },
    wait: { description: 'Wait for the key file and for the API to list its models' },
    help: { description: 'Print the usage' },
  },
  env: { OPSIGHT_API_KEY: { description: 'The API key (else --key-file)', secret: true } },
  ports: [],
  probes: {},
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  logFormat: 'json',
};
