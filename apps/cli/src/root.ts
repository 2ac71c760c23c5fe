import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Opsight checkout this CLI belongs to (`OPSIGHT_ROOT` overrides): the nearest `opsight` package. */
export function repoRoot(): string {
  if (process.env.OPSIGHT_ROOT) return process.env.OPSIGHT_ROOT;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'opsight') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Opsight checkout (set OPSIGHT_ROOT)');
    dir = up;
  }
}
