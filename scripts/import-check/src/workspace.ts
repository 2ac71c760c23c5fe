import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { withoutComments } from './lexer.js';

/** A workspace package as the check sees it. */
export interface Workspace {
  /** Its folder relative to the repository root, e.g. `platform/api-service`. */
  dir: string;
  /** Its package name, e.g. `@opsight/api-service`. */
  name: string;
  /** What its own code may import: dependencies, peer and optional dependencies. */
  dependencies: ReadonlySet<string>;
  /** What its tests may import besides: devDependencies. */
  devDependencies: ReadonlySet<string>;
  /** The workspace folders its tsconfig.json references (relative to the root); undefined without one. */
  references: ReadonlySet<string> | undefined;
}

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function names(...maps: unknown[]): Set<string> {
  const out = new Set<string>();
  for (const map of maps) if (map && typeof map === 'object') for (const n of Object.keys(map)) out.add(n);
  return out;
}

function tsconfigReferences(root: string, dir: string): Set<string> | undefined {
  const file = join(root, dir, 'tsconfig.json');
  if (!existsSync(file)) return undefined;
  let config: { references?: { path?: unknown }[] };
  try {
    config = JSON.parse(withoutComments(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new Error(`${relative(root, file)}: ${(e as Error).message}`);
  }
  const refs = config.references ?? [];
  return new Set(
    refs
      .map((r) => r.path)
      .filter((p): p is string => typeof p === 'string')
      .map((p) => relative(root, resolve(root, dir, p.endsWith('.json') ? dirname(p) : p))),
  );
}

/** The workspaces the root package.json lists, in its order. */
export function readWorkspaces(root: string): Workspace[] {
  const rootPkg = readJson(join(root, 'package.json'));
  const dirs = Array.isArray(rootPkg.workspaces) ? (rootPkg.workspaces as string[]) : [];
  return dirs.map((dir) => {
    const pkg = readJson(join(root, dir, 'package.json'));
    return {
      dir,
      name: String(pkg.name ?? dir),
      dependencies: names(pkg.dependencies, pkg.peerDependencies, pkg.optionalDependencies),
      devDependencies: names(pkg.devDependencies),
      references: tsconfigReferences(root, dir),
    };
  });
}

/** The source files of a workspace, relative to the root, without node_modules and build output. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (SOURCE.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}
