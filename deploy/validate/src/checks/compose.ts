/**
 * Checks deploy/compose without a Docker engine: compose.yaml parses (anchors and merge keys
 * resolved), every `${VAR}` it uses is defined in .env, every image is pinned through a variable of
 * .env, ports are `host:container` with no host port used twice, bind mounts name files that exist,
 * named volumes are declared, configs and secrets are declared with files that exist (or variables of
 * .env), depends_on names existing services without cycles, and every service
 * is hardened (read-only root, all capabilities dropped, no-new-privileges) unless listed with a reason.
 *
 * Security by default (issue 14), each refused here:
 * - a port published on every interface (`9090:9090`, `0.0.0.0:…`, `[::]:…`): only 127.0.0.1 / ::1;
 * - the Docker socket mounted anywhere (root on the host), or a host path not listed in HOST_PATHS;
 * - a committed password: a password-like key in .env, a secret taken from an environment variable, a
 *   password-like environment variable with a literal value (use a secret file and a *_FILE variable);
 * - a secret file under ./secrets/ that init-secrets does not generate;
 * - a service reading a secret without waiting for check-secrets (which refuses known defaults), or a
 *   check-secrets that does not check every secret;
 * - Grafana without GF_AUTH_ANONYMOUS_ENABLED "false".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

/** Services allowed to run without the hardening, and why. */
export const COMPOSE_EXCEPTIONS: Record<string, string> = {
  'gateway-config': 'one-shot renderer; read-only and capability-free, but never restarted',
};

/** Host paths a service may bind-mount (read-only), and why. */
export const HOST_PATHS: Record<string, string> = {
  '/var/lib/docker/containers': "Alloy tails Docker's json-file logs instead of asking the Docker socket",
};

/** Names that hold a password, token or key. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|CREDENTIAL/i;

/** The secret names init-secrets generates (its NAMES="…" line), or [] when it has none. */
export function initSecretNames(dir: string): string[] {
  const file = join(dir, 'init-secrets');
  if (!existsSync(file)) return [];
  const m = /^NAMES="([^"]*)"/m.exec(readFileSync(file, 'utf8'));
  return m ? m[1]!.split(/\s+/).filter(Boolean) : [];
}

/** Reads KEY=VALUE lines; comments and blank lines are skipped. */
export function readEnvFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`.env: not KEY=VALUE: ${trimmed}`);
    env.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  return env;
}

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

function dependsOn(service: JsonObject): string[] {
  const d = service.depends_on;
  if (Array.isArray(d)) return d.map(String);
  return Object.keys(obj(d));
}

/** Problems of a compose project in `dir` (compose.yaml + .env); empty when it fits. */
export function composeProblems(dir: string): string[] {
  const problems: string[] = [];
  const text = readFileSync(join(dir, 'compose.yaml'), 'utf8');
  const env = readEnvFile(readFileSync(join(dir, '.env'), 'utf8'));
  for (const m of text.matchAll(/\$\{([A-Z0-9_]+)(:?-[^}]*)?\}/g))
    if (!env.has(m[1]!) && m[2] === undefined) problems.push(`\${${m[1]}} is not defined in .env`);
  const compose = parse(text, { merge: true, maxAliasCount: -1 }) as JsonObject;
  const services = obj(compose.services);
  const volumes = obj(compose.volumes);
  const hostPorts = new Map<string, string>();
  for (const [name, raw] of Object.entries(services)) {
    const s = obj(raw);
    if (typeof s.image !== 'string') problems.push(`${name}: no image`);
    else if (!/\$\{[A-Z0-9_]+\}/.test(s.image))
      problems.push(`${name}: image ${s.image} is not versioned through .env`);
    if (s.build !== undefined) {
      const build = obj(s.build);
      if (!existsSync(resolve(dir, String(build.context), String(build.dockerfile ?? 'Dockerfile'))))
        problems.push(`${name}: build context or Dockerfile does not exist`);
    }
    for (const port of Array.isArray(s.ports) ? s.ports : []) {
      const m = /^(?:(\[[\d:a-fA-F]*\]|[\d.]+):)?(\d+):(\d+)(\/(tcp|udp))?$/.exec(String(port));
      if (!m) {
        problems.push(`${name}: port ${String(port)} is not host:container`);
        continue;
      }
      if (m[1] !== '127.0.0.1' && m[1] !== '[::1]')
        problems.push(
          `${name}: port ${String(port)} is published on every interface; publish on 127.0.0.1 (docs/deploy.md)`,
        );
      const other = hostPorts.get(m[2]!);
      if (other) problems.push(`${name}: host port ${m[2]} is already used by ${other}`);
      hostPorts.set(m[2]!, name);
    }
    for (const volume of Array.isArray(s.volumes) ? s.volumes : []) {
      const [source = '', , mode = ''] = String(volume).split(':');
      if (/docker\.sock/.test(source))
        problems.push(`${name}: mounts the Docker socket ${source}, which is root on the host`);
      else if (source.startsWith('/')) {
        if (!(source in HOST_PATHS)) problems.push(`${name}: mounts host path ${source}, not in HOST_PATHS`);
        else if (!mode.split(',').includes('ro'))
          problems.push(`${name}: host path ${source} is not read-only`);
      } else if (source.startsWith('.')) {
        if (!existsSync(resolve(dir, source))) problems.push(`${name}: bind mount ${source} does not exist`);
      } else if (!(source in volumes)) problems.push(`${name}: volume ${source} is not declared`);
    }
    const environment = obj(s.environment);
    for (const [key, value] of Object.entries(environment))
      if (SECRET_NAME.test(key) && !/_FILE$/.test(key) && value !== '' && value !== null)
        problems.push(`${name}: ${key} is a literal value; use a secret file and its *_FILE variable`);
    if (/^grafana\/grafana[:@]/.test(String(s.image)) && environment.GF_AUTH_ANONYMOUS_ENABLED !== 'false')
      problems.push(`${name}: Grafana without GF_AUTH_ANONYMOUS_ENABLED "false"`);
    const usesSecrets = Array.isArray(s.secrets) && s.secrets.length > 0;
    if (usesSecrets && name !== 'check-secrets') {
      const dep = obj(obj(s.depends_on)['check-secrets']);
      if (dep.condition !== 'service_completed_successfully')
        problems.push(`${name}: reads secrets without waiting for check-secrets to complete successfully`);
    }
    for (const kind of ['configs', 'secrets'] as const)
      for (const ref of Array.isArray(s[kind]) ? s[kind] : []) {
        const source = isObject(ref) ? String(ref.source) : String(ref);
        if (!(source in obj(compose[kind]))) problems.push(`${name}: ${kind} ${source} is not declared`);
      }
    for (const dep of dependsOn(s))
      if (!(dep in services)) problems.push(`${name}: depends on unknown service ${dep}`);
    if (!(name in COMPOSE_EXCEPTIONS)) {
      if (s.read_only !== true) problems.push(`${name}: root filesystem is not read-only`);
      if (!Array.isArray(s.cap_drop) || !s.cap_drop.includes('ALL'))
        problems.push(`${name}: does not drop ALL capabilities`);
      if (!Array.isArray(s.security_opt) || !s.security_opt.includes('no-new-privileges:true'))
        problems.push(`${name}: no-new-privileges is not set`);
    }
  }
  const generated = initSecretNames(dir);
  for (const kind of ['configs', 'secrets'] as const)
    for (const [name, raw] of Object.entries(obj(compose[kind]))) {
      const entry = obj(raw);
      const file = typeof entry.file === 'string' ? entry.file : undefined;
      if (kind === 'secrets' && file?.startsWith('./secrets/')) {
        if (!generated.includes(file.slice('./secrets/'.length)))
          problems.push(`secrets ${name}: ${file} is not generated by init-secrets`);
      } else if (file !== undefined && !existsSync(resolve(dir, file)))
        problems.push(`${kind} ${name}: file ${file} does not exist`);
      if (typeof entry.environment === 'string') {
        if (!env.has(entry.environment))
          problems.push(`${kind} ${name}: ${entry.environment} is not defined in .env`);
        if (kind === 'secrets')
          problems.push(`secrets ${name}: taken from the environment (${entry.environment}); use a file`);
      }
    }
  for (const key of env.keys())
    if (SECRET_NAME.test(key)) problems.push(`.env: ${key} commits a secret; use a secret file`);
  const secretNames = Object.keys(obj(compose.secrets));
  if (secretNames.length > 0) {
    const check = obj(services['check-secrets']);
    const command = Array.isArray(check.command) ? check.command.map(String) : [];
    for (const secret of secretNames)
      if (!command.includes(`/run/secrets/${secret}`))
        problems.push(`check-secrets does not check the secret ${secret}`);
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name) || !(name in services)) return;
    if (visiting.has(name)) {
      problems.push(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      return;
    }
    visiting.add(name);
    for (const dep of dependsOn(obj(services[name]))) visit(dep, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return problems;
}
