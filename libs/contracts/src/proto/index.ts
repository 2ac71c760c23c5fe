import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The .proto files this package ships, by name: the router's service, and OTLP's messages (common ones,
 * logs, traces; logs and traces import common, beside them).
 */
export type ProtoName = 'model_router.proto' | 'otlp/common.proto' | 'otlp/logs.proto' | 'otlp/trace.proto';

/**
 * Absolute path of one of this package's .proto files, for `@grpc/proto-loader`. Resolved from the
 * package itself, so a service finds the file wherever the workspace or an image puts the package.
 */
export function protoFile(name: ProtoName): string {
  const path = fileURLToPath(new URL(`../../../proto/${name}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`@opsight/contracts: proto file ${name} is missing at ${path}`);
  return path;
}

export { ROUTER_ERROR_METADATA } from './router-error-metadata.js';
