import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { WorkloadDescriptor } from './index.js';

/** The nearest package.json at or above `dir`, parsed, with its directory; undefined at the root. */
function owningPackage(
  dir: string,
): { dir: string; json: { name?: string; bin?: Record<string, string> } } | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    if (existsSync(file)) return { dir: at, json: JSON.parse(readFileSync(file, 'utf8')) };
    if (dirname(at) === at) return undefined;
  }
}

/**
 * Whether a node descriptor's binary is what its package ships: the file exists (once built), it belongs
 * to the package named, and that package's `bin` table gives it under the name declared. Empty when so,
 * and for programs that are not ours.
 */
export function binaryProblems(d: WorkloadDescriptor): string[] {
  const b = d.binary;
  if (b.kind !== 'node') return [];
  const problems: string[] = [];
  if (!existsSync(b.file)) problems.push(`${d.name}: ${b.file} does not exist (is the package built?)`);
  const pkg = owningPackage(dirname(b.file));
  if (pkg?.json.name !== b.package) {
    problems.push(`${d.name}: ${b.file} is not in package ${b.package}`);
    return problems;
  }
  const declared = pkg.json.bin?.[b.bin];
  if (declared === undefined) problems.push(`${d.name}: ${b.package} has no bin ${b.bin}`);
  else if (resolve(pkg.dir, declared) !== b.file)
    problems.push(`${d.name}: bin ${b.bin} of ${b.package} is ${declared}, not ${b.file}`);
  return problems;
}
