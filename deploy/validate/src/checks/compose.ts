/**
 * Checks deploy/compose without a Docker engine: compose.yaml parses (anchors and merge keys
 * resolved), every `${VAR}` it uses is defined in .env, every image is pinned through a variable of
 * .env, ports are `host:container` with no host port used twice, bind mounts name files that exist,
 * named volumes are declared, depends_on names existing services without cycles, and every service
 * is hardened (read-only root, all capabilities dropped, no-new-privileges) unless listed with a reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

/** Services allowed to run without the hardening, and why. */
export const COMPOSE_EXCEPTIONS: Record<string, string> = {
  'gateway-config': 'one-shot renderer; read-only and capability-free, but never restarted',
};

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
      const m = /^(?:([\d.]+):)?(\d+):(\d+)(\/(tcp|udp))?$/.exec(String(port));
      if (!m) {
        problems.push(`${name}: port ${String(port)} is not host:container`);
        continue;
      }
      const other = hostPorts.get(m[2]!);
      if (other) problems.push(`${name}: host port ${m[2]} is already used by ${other}`);
      hostPorts.set(m[2]!, name);
    }
    for (const volume of Array.isArray(s.volumes) ? s.volumes : []) {
      const [source = ''] = String(volume).split(':');
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!source.startsWith('/var/run/') && !existsSync(resolve(dir, source)))
          problems.push(`${name}: bind mount ${source} does not exist`);
      } else if (!(source in volumes)) problems.push(`${name}: volume ${source} is not declared`);
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
