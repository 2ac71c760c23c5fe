export { findNvidiaSmi } from './stack/components/models.js';
export type { StackContext } from './stack/context.js';
export { stackContext } from './stack/context.js';
export type { Endpoint, LocalStack } from './stack/local-stack.js';
export { localStack } from './stack/local-stack.js';
export type { StackPaths } from './stack/paths.js';
export { stackPaths } from './stack/paths.js';
export type { PortName, Ports } from './stack/ports.js';
export { DEFAULT_PORTS, portVariable, resolvePorts } from './stack/ports.js';
