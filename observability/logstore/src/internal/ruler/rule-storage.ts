// The ruler's rule storage: Loki's local rule storage layout, one directory per tenant and one file per
// namespace, `<dir>/<tenant>/<namespace>.yaml`, each a Prometheus rule file (`groups: [...]`). Loki names a
// namespace by its whole file name; here a `.yaml` or `.yml` ending is left out of the name, so the files the
// rule renderer writes (`opsight-logs.yaml`) are the namespace `opsight-logs` in both the API and Grafana.
//
// Every file is read and checked whole at start: a file with a problem stops the start, with the file, line,
// column, group and rule. A change (a group set or deleted through the API) rewrites its namespace's file
// atomically: the new text goes to a hidden temporary file beside it (`.<file>.tmp`, skipped when loading),
// is flushed to disk, and is renamed over the old one, then the directory is flushed; a crash at any point
// leaves the old file or the new one, never a half-written one. Directories are 0700 and files 0600, as the
// store's data.
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from '@opsight/private-files';
import { stringify } from 'yaml';
import { formatPromDuration } from '../../ruler/prom-duration.js';
import { type ExprCheck, parseRuleFile, RuleFileError, type RuleGroupDef } from '../../ruler/rule-file.js';
import { LogStoreError } from '../api/log-store-error.js';

/** A namespace's groups, in file order. */
export interface StoredNamespace {
  readonly name: string;
  readonly groups: readonly RuleGroupDef[];
}

/** Options of {@link RuleStorage}. */
export interface RuleStorageOptions {
  /** The rule directory (`<dir>/<tenant>/<namespace>.yaml`); created 0700 when missing. */
  readonly dir: string;
  /** Checks each rule's expression (the store's LogQL parser). */
  readonly checkExpr: ExprCheck;
}

const RULE_FILE = /\.ya?ml$/;

/** Refuses a namespace that cannot be a file name of its own (a path, a hidden or temporary file). */
export function checkNamespace(namespace: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (namespace === '' || namespace.startsWith('.') || /[/\\\u0000-\u001f]/.test(namespace))
    throw new LogStoreError(
      'INVALID_NAMESPACE',
      `invalid namespace ${JSON.stringify(namespace)}: a namespace is a file name (no '/', '\\' or control characters, not starting with '.')`,
      { field: 'namespace' },
    );
  if (Buffer.byteLength(namespace) > 200)
    throw new LogStoreError('INVALID_NAMESPACE', 'invalid namespace: longer than 200 bytes', {
      field: 'namespace',
    });
}

/** A tenant's directory name: the store's tenant ids, but never `.` or `..` (as Loki refuses them). */
function checkTenant(tenant: string): void {
  if (tenant === '.' || tenant === '..' || tenant.includes('/'))
    throw new LogStoreError('INVALID_TENANT', `tenant ID '${tenant}' cannot own rules`, {
      field: 'X-Scope-OrgID',
    });
}

/** The rule-file object of a group, as Prometheus's rulefmt writes it (what GET answers and files hold). */
export function ruleGroupObject(g: RuleGroupDef): Record<string, unknown> {
  return {
    name: g.name,
    ...(g.intervalMs !== undefined ? { interval: formatPromDuration(g.intervalMs) } : {}),
    ...(g.limit > 0 ? { limit: g.limit } : {}),
    rules: g.rules.map((r) =>
      r.kind === 'record'
        ? { record: r.name, expr: r.expr, ...(Object.keys(r.labels).length ? { labels: r.labels } : {}) }
        : {
            alert: r.name,
            expr: r.expr,
            ...(r.forMs > 0 ? { for: formatPromDuration(r.forMs) } : {}),
            ...(r.keepFiringForMs > 0 ? { keep_firing_for: formatPromDuration(r.keepFiringForMs) } : {}),
            ...(Object.keys(r.labels).length ? { labels: r.labels } : {}),
            ...(Object.keys(r.annotations).length ? { annotations: r.annotations } : {}),
          },
    ),
  };
}

/** YAML text of rule-file objects. */
export function ruleYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/** Writes `text` to `file` atomically and durably, mode 0600 (see the file's header). */
export function writeFileAtomic(file: string, dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDir(dir);
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The rule groups of every tenant, held in memory and kept on disk. */
export class RuleStorage {
  /** tenant → namespace → its file name and groups. */
  private readonly tenants = new Map<string, Map<string, { file: string; groups: RuleGroupDef[] }>>();

  constructor(private readonly options: RuleStorageOptions) {}

  /**
   * Reads every tenant's rule files. Throws a {@link RuleFileError} listing the problems of every bad file
   * (nothing is loaded then).
   */
  load(): void {
    const { dir } = this.options;
    ensurePrivateDir(dir, { service: 'logstore' });
    const problems: RuleFileError['problems'][number][] = [];
    const loaded = new Map<string, Map<string, { file: string; groups: RuleGroupDef[] }>>();
    for (const tenant of readdirSync(dir).sort()) {
      const tenantDir = join(dir, tenant);
      if (tenant.startsWith('.') || !statSync(tenantDir).isDirectory()) continue;
      ensurePrivateDir(tenantDir, { service: 'logstore' });
      const namespaces = new Map<string, { file: string; groups: RuleGroupDef[] }>();
      for (const file of readdirSync(tenantDir).sort()) {
        const path = join(tenantDir, file);
        if (file.startsWith('.')) {
          // A temporary file a crash left behind: the rename never happened, the old file is whole.
          if (file.endsWith('.tmp')) rmSync(path, { force: true });
          continue;
        }
        if (!statSync(path).isFile()) continue;
        ensurePrivateFile(path, { service: 'logstore' });
        try {
          const groups = parseRuleFile(readFileSync(path, 'utf8'), {
            checkExpr: this.options.checkExpr,
            source: path,
          });
          const name = file.replace(RULE_FILE, '');
          const twin = namespaces.get(name);
          if (twin)
            problems.push({
              source: path,
              line: 1,
              column: 1,
              message: `namespace ${JSON.stringify(name)} is also in ${twin.file}: keep one of the two files`,
            });
          namespaces.set(name, { file, groups });
        } catch (e) {
          if (!(e instanceof RuleFileError)) throw e;
          problems.push(...e.problems);
        }
      }
      loaded.set(tenant, namespaces);
    }
    if (problems.length) throw new RuleFileError(problems);
    this.tenants.clear();
    for (const [t, n] of loaded) this.tenants.set(t, n);
  }

  /** Tenants with at least one group. */
  tenantsWithRules(): string[] {
    return [...this.tenants].filter(([, ns]) => ns.size > 0).map(([t]) => t);
  }

  /** A tenant's namespaces (one, when named), sorted by name. */
  namespaces(tenant: string, only?: string): StoredNamespace[] {
    const ns = this.tenants.get(tenant);
    if (!ns) return [];
    return [...ns]
      .filter(([name]) => only === undefined || name === only)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, n]) => ({ name, groups: n.groups }));
  }

  /** One group, or undefined. */
  group(tenant: string, namespace: string, name: string): RuleGroupDef | undefined {
    return this.tenants
      .get(tenant)
      ?.get(namespace)
      ?.groups.find((g) => g.name === name);
  }

  /** How many groups a tenant has. */
  groupCount(tenant: string): number {
    let n = 0;
    for (const ns of this.tenants.get(tenant)?.values() ?? []) n += ns.groups.length;
    return n;
  }

  /** Creates or replaces (same name) a group of a namespace, and writes the namespace's file. */
  setGroup(tenant: string, namespace: string, group: RuleGroupDef): void {
    checkTenant(tenant);
    checkNamespace(namespace);
    const held = this.tenants.get(tenant)?.get(namespace);
    const groups = [...(held?.groups ?? [])];
    const at = groups.findIndex((g) => g.name === group.name);
    if (at >= 0) groups[at] = group;
    else groups.push(group);
    this.write(tenant, namespace, held?.file ?? `${namespace}.yaml`, groups);
  }

  /** Deletes a group; false when there is none of that name. */
  deleteGroup(tenant: string, namespace: string, name: string): boolean {
    const held = this.tenants.get(tenant)?.get(namespace);
    if (!held?.groups.some((g) => g.name === name)) return false;
    this.write(
      tenant,
      namespace,
      held.file,
      held.groups.filter((g) => g.name !== name),
    );
    return true;
  }

  /** Deletes a namespace and its file; false when there is none of that name. */
  deleteNamespace(tenant: string, namespace: string): boolean {
    const held = this.tenants.get(tenant)?.get(namespace);
    if (!held) return false;
    this.write(tenant, namespace, held.file, []);
    return true;
  }

  /** Writes (or, with no group left, removes) a namespace's file, then updates memory. */
  private write(tenant: string, namespace: string, file: string, groups: RuleGroupDef[]): void {
    const tenantDir = join(this.options.dir, tenant);
    ensurePrivateDir(this.options.dir, { service: 'logstore' });
    ensurePrivateDir(tenantDir, { service: 'logstore' });
    const path = join(tenantDir, file);
    if (groups.length === 0) {
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      syncDir(tenantDir);
      this.tenants.get(tenant)?.delete(namespace);
      return;
    }
    const text = `# Written by the log store's ruler (rules API) — namespace ${namespace} of tenant ${tenant}.\n${ruleYaml({ groups: groups.map(ruleGroupObject) })}`;
    writeFileAtomic(path, tenantDir, file, text);
    let ns = this.tenants.get(tenant);
    if (!ns) {
      ns = new Map();
      this.tenants.set(tenant, ns);
    }
    ns.set(namespace, { file, groups });
  }
}
