import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, normalize } from 'node:path';
import { importSpecifiers, packageOf } from './import-specifiers.js';
import { arrowAllowed, LAYERS, layerOf } from './layers.js';
import { readWorkspaces, sourceFiles, type Workspace } from './workspace.js';

/** One thing the check refuses. */
export interface Problem {
  /** What kind: an undeclared import, a path into another package, a cycle, a wrong arrow, a missing reference. */
  code: 'undeclared-import' | 'relative-escape' | 'cycle' | 'wrong-arrow' | 'missing-reference' | 'no-layer';
  /** The file it is about, relative to the root, with `:line` where there is one. */
  where: string;
  /** One sentence naming the import and the package. */
  message: string;
}

const BUILTINS = new Set(builtinModules);

/** Whether a file of a workspace is test code, which may also import the devDependencies. */
function isTestFile(ws: Workspace, file: string): boolean {
  return file.startsWith(`${ws.dir}/test/`);
}

function declares(names: ReadonlySet<string>, pkg: string): boolean {
  return (
    names.has(pkg) || (!pkg.startsWith('@types/') && names.has(`@types/${pkg.replace(/^@(.*)\//, '$1__')}`))
  );
}

/** Every cycle among the workspace packages' declared dependencies, each as a path `a → b → … → a`. */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components; every component of more than one package holds a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  // One concrete cycle per component: walk from its first member, inside it, back to that member.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const path = [start];
    const seen = new Set([start]);
    const walk = (v: string): boolean => {
      for (const w of edges.get(v) ?? []) {
        if (w === start) return true;
        if (!members.has(w) || seen.has(w)) continue;
        seen.add(w);
        path.push(w);
        if (walk(w)) return true;
        path.pop();
      }
      return false;
    };
    walk(start);
    return [...path, start];
  });
}

/** Checks every workspace of the repository at `root`; an empty list means all is well. */
export function checkImports(root: string): Problem[] {
  const workspaces = readWorkspaces(root);
  const byName = new Map(workspaces.map((ws) => [ws.name, ws]));
  const problems: Problem[] = [];
  const layerNames = LAYERS.map((folders) => folders.join('/')).join(' ← ');

  for (const ws of workspaces) {
    if (layerOf(ws.dir) === undefined) {
      problems.push({
        code: 'no-layer',
        where: `${ws.dir}/package.json`,
        message: `${ws.name} lives in ${ws.dir}, outside every layer (${layerNames})`,
      });
    }
    for (const file of sourceFiles(root, ws.dir)) {
      const test = isTestFile(ws, file);
      for (const { specifier, line } of importSpecifiers(readFileSync(join(root, file), 'utf8'))) {
        const where = `${file}:${line}`;
        const pkg = packageOf(specifier);
        if (pkg === undefined) {
          if (specifier.startsWith('.')) {
            const target = normalize(join(file, '..', specifier));
            if (!target.startsWith(`${ws.dir}/`)) {
              problems.push({
                code: 'relative-escape',
                where,
                message: `import '${specifier}' reaches outside ${ws.name} by a relative path: import the package by its name`,
              });
            }
          }
          continue;
        }
        if (BUILTINS.has(pkg) || pkg === ws.name) continue;
        if (declares(ws.dependencies, pkg) || (test && declares(ws.devDependencies, pkg))) continue;
        const hint =
          !test && declares(ws.devDependencies, pkg)
            ? 'it is only a devDependency, which test/ files alone may use'
            : `declare it in ${ws.dir}/package.json (${test ? 'dependencies or devDependencies' : 'dependencies'})`;
        problems.push({
          code: 'undeclared-import',
          where,
          message: `import '${specifier}': ${ws.name} does not declare ${pkg}; ${hint}`,
        });
      }
    }
  }

  // Arrows between workspace packages, as declared.
  const edges = new Map<string, string[]>();
  for (const ws of workspaces) {
    const deps = [...new Set([...ws.dependencies, ...ws.devDependencies])]
      .filter((n) => byName.has(n))
      .sort();
    edges.set(ws.name, deps);
    for (const name of deps) {
      const to = byName.get(name)!;
      if (!arrowAllowed(ws.dir, to.dir)) {
        problems.push({
          code: 'wrong-arrow',
          where: `${ws.dir}/package.json`,
          message: `${ws.name} (${ws.dir}) depends on ${name} (${to.dir}): arrows run ${layerNames}, never back or across`,
        });
      }
      if (ws.references && to.references && !ws.references.has(to.dir)) {
        problems.push({
          code: 'missing-reference',
          where: `${ws.dir}/tsconfig.json`,
          message: `${ws.name} depends on ${name} but its tsconfig.json has no reference to ${to.dir}`,
        });
      }
    }
  }
  for (const cycle of findCycles(edges)) {
    problems.push({
      code: 'cycle',
      where: `${byName.get(cycle[0]!)!.dir}/package.json`,
      message: `dependency cycle: ${cycle.join(' → ')}`,
    });
  }
  return problems;
}
