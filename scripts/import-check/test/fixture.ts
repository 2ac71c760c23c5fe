import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A package of a fixture repository: its folder, package.json fields, tsconfig references and files. */
export interface FixturePackage {
  dir: string;
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** tsconfig.json references, as written; the tsconfig.json is left out when undefined. */
  references?: string[];
  files?: Record<string, string>;
}

/** Writes a repository of the given workspace packages to a temporary folder, runs `fn`, removes it. */
export function withRepo<T>(packages: FixturePackage[], fn: (root: string) => T): T {
  const root = mkdtempSync(join(tmpdir(), 'opsight-import-check-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  try {
    write('package.json', JSON.stringify({ name: 'repo', workspaces: packages.map((p) => p.dir) }));
    for (const p of packages) {
      const { dir, name, dependencies, devDependencies, references, files = {} } = p;
      write(`${dir}/package.json`, JSON.stringify({ name, dependencies, devDependencies }));
      if (references) {
        const refs = references.map((path) => `    { "path": "${path}" }`).join(',\n');
        write(`${dir}/tsconfig.json`, `{\n  // build graph\n  "references": [\n${refs}\n  ]\n}\n`);
      }
      for (const [file, text] of Object.entries(files)) write(`${dir}/${file}`, text);
    }
    return fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
