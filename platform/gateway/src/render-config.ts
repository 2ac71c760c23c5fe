import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the template lives: beside package.json. */
export const NGINX_TEMPLATE_PATH = new URL('../../nginx.conf.template', import.meta.url).pathname;

/** The values that differ between deployments; everything else is fixed in nginx.conf.template. */
export interface NginxConfigOptions {
  /** `listen` address: `host:port` or a port. */
  listen: string;
  /** The API service, as `host:port`. */
  upstream: string;
  /** JSON access log file (gateway-telemetry tails it). */
  accessLog: string;
  /** Error log: a file or `stderr`. */
  errorLog: string;
  pidFile: string;
  /** Parent of nginx's temporary directories (client bodies, proxy buffers). */
  tempDir: string;
  /** @default 1 */
  workerProcesses?: number | 'auto';
  /** Largest request body (nginx size syntax); larger ones get a JSON 413. @default '1m' */
  maxBodySize?: string;
  /** Largest single request header line; larger ones get a JSON 400 (REQUEST_HEADERS_TOO_LARGE). @default '16k' */
  maxHeaderSize?: string;
  /** Idle time of a kept-alive upstream connection; keep it below the upstream's own. @default '4s' */
  upstreamKeepaliveTimeout?: string;
  /** Longest silence between two reads from the upstream (a streamed completion). @default '300s' */
  upstreamReadTimeout?: string;
}

/** Thrown for an option the configuration cannot hold; `field` names it. */
export class NginxConfigError extends Error {
  override readonly name = 'NginxConfigError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`nginx config: ${field}=${JSON.stringify(value)}: ${reason}`);
  }
}

const SIZE = /^\d+[km]?$/i;
const TIME = /^\d+(ms|s|m)?$/;
const ADDRESS = /^(?:[A-Za-z0-9.-]+:)?\d{1,5}$/;
// A path goes into the file unquoted: nothing nginx would read as syntax or a variable.
const PATH = /^[A-Za-z0-9_./-]+$/;

function check(field: string, value: string, pattern: RegExp, reason: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new NginxConfigError(field, value, reason);
  return value;
}

/** Renders nginx.conf from the template; throws {@link NginxConfigError} for an unusable option. */
export function renderNginxConfig(options: NginxConfigOptions, template = readTemplate()): string {
  const workers = options.workerProcesses ?? 1;
  if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) {
    throw new NginxConfigError('workerProcesses', workers, 'expected "auto" or a whole number from 1 to 64');
  }
  const values: Record<string, string> = {
    listen: check('listen', options.listen, ADDRESS, 'expected host:port or a port'),
    upstream: check('upstream', options.upstream, ADDRESS, 'expected host:port'),
    access_log: check('accessLog', options.accessLog, PATH, 'expected a path without spaces or quotes'),
    error_log:
      options.errorLog === 'stderr'
        ? 'stderr'
        : check('errorLog', options.errorLog, PATH, 'expected stderr or a path without spaces or quotes'),
    pid_file: check('pidFile', options.pidFile, PATH, 'expected a path without spaces or quotes'),
    temp_dir: check('tempDir', options.tempDir, PATH, 'expected a path without spaces or quotes'),
    worker_processes: String(workers),
    max_body_size: check('maxBodySize', options.maxBodySize ?? '1m', SIZE, 'expected a size like 1m or 512k'),
    max_header_size: check('maxHeaderSize', options.maxHeaderSize ?? '16k', SIZE, 'expected a size like 16k'),
    upstream_keepalive_timeout: check(
      'upstreamKeepaliveTimeout',
      options.upstreamKeepaliveTimeout ?? '4s',
      TIME,
      'expected a time like 4s',
    ),
    upstream_read_timeout: check(
      'upstreamReadTimeout',
      options.upstreamReadTimeout ?? '300s',
      TIME,
      'expected a time like 300s',
    ),
  };
  const port = Number(values.listen!.split(':').pop());
  if (port < 1 || port > 65535) throw new NginxConfigError('listen', options.listen, 'port outside 1..65535');
  const used = new Set<string>();
  const out = template.replace(/\{\{([a-z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new NginxConfigError('template', name, 'unknown placeholder');
    used.add(name);
    return value;
  });
  return out;
}

/** The template's text. */
export function readTemplate(): string {
  return readFileSync(NGINX_TEMPLATE_PATH, 'utf8');
}

/** Options for the local stack: everything under one state directory, errors to stderr (the pod log). */
export function localNginxOptions(options: {
  /** The stack's `var/` directory. */
  varDir: string;
  port: number;
  upstreamPort: number;
  host?: string;
}): NginxConfigOptions {
  const host = options.host ?? '127.0.0.1';
  return {
    listen: `${host}:${options.port}`,
    upstream: `127.0.0.1:${options.upstreamPort}`,
    accessLog: localAccessLog(options.varDir),
    errorLog: 'stderr',
    pidFile: join(options.varDir, 'run', 'nginx.pid'),
    tempDir: join(options.varDir, 'data', 'nginx', 'tmp'),
  };
}

/** The access log of the local gateway, which gateway-telemetry tails. */
export function localAccessLog(varDir: string): string {
  return join(varDir, 'log', 'nginx', 'access.log');
}

/**
 * Options for Kubernetes: the gateway pod listens on every interface; the access log is on an emptyDir
 * shared with the gateway-telemetry sidecar; pid and temporary files under /tmp (read-only root file
 * system); one worker per CPU.
 */
export function kubernetesNginxOptions(
  options: { upstream?: string; accessLog?: string } = {},
): NginxConfigOptions {
  return {
    listen: '8080',
    upstream: options.upstream ?? 'api-service:8081',
    accessLog: options.accessLog ?? '/var/log/nginx/access.log',
    errorLog: 'stderr',
    pidFile: '/tmp/nginx.pid',
    tempDir: '/tmp',
    workerProcesses: 'auto',
  };
}

/** First line of a rendered file: rendered files are not edited by hand. */
export function generatedHeader(generator: string): string {
  return `# Generated by ${generator} from platform/platform/gateway.conf.template — do not edit.\n`;
}
