#!/usr/bin/env node
// Renders the gateway's nginx.conf:
//   render-nginx-config --target kubernetes [--upstream api-service:8081] [--out FILE]
//   render-nginx-config --target local --var-dir var [--port 8080] [--upstream-port 8081] [--out FILE]
// Without --out the configuration goes to stdout. The local stack renders its own file in `opsight up`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  generatedHeader,
  kubernetesNginxOptions,
  localNginxOptions,
  type NginxConfigOptions,
  renderNginxConfig,
} from '../render-config.js';

const usage =
  'usage: render-nginx-config --target kubernetes|local [--upstream HOST:PORT] [--var-dir DIR] [--port N] [--upstream-port N] [--out FILE]';

function main(): number {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      upstream: { type: 'string' },
      'var-dir': { type: 'string' },
      port: { type: 'string' },
      'upstream-port': { type: 'string' },
      out: { type: 'string' },
    },
  });
  let options: NginxConfigOptions;
  if (values.target === 'kubernetes') options = kubernetesNginxOptions({ upstream: values.upstream });
  else if (values.target === 'local') {
    options = localNginxOptions({
      varDir: resolve(values['var-dir'] ?? 'var'),
      port: Number(values.port ?? 8080),
      upstreamPort: Number(values['upstream-port'] ?? 8081),
    });
  } else {
    process.stderr.write(`render-nginx-config: --target must be kubernetes or local\n${usage}\n`);
    return 2;
  }
  const text =
    generatedHeader('platform/gateway/src/bin/render-nginx-config.ts') + renderNginxConfig(options);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`render-nginx-config: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
