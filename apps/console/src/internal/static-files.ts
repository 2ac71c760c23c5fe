import { readFile, realpath } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** A file of the front end, or undefined when `path` is not one (unknown, outside the root, a directory). */
export async function readStatic(
  root: string,
  path: string,
): Promise<{ body: Buffer; type: string } | undefined> {
  const type = TYPES[extname(path)];
  if (!type || path.includes('\0')) return undefined;
  try {
    const base = await realpath(root);
    const file = await realpath(join(base, path));
    if (!file.startsWith(base + sep)) return undefined;
    return { body: await readFile(file), type };
  } catch {
    return undefined;
  }
}
