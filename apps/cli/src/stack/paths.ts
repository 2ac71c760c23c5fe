import { join, resolve } from 'node:path';

/** Where the local stack keeps its state; everything lives under one `var` directory (git-ignored). */
export interface StackPaths {
  /** Repository root: configuration under observability/ is read from here. */
  root: string;
  /** `var/` (or `OPSIGHT_VAR_DIR`). */
  varDir: string;
  /** Databases and TSDBs. */
  data: string;
  /** Pod logs, as on a Kubernetes node: `log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log`. */
  podLogs: string;
  /** Rendered configuration files. */
  config: string;
  /** Generated passwords (mode 0600). */
  secrets: string;
  /** Lock file and sockets. */
  run: string;
  lockFile: string;
}

/** Paths of a stack rooted at `root`, with `OPSIGHT_VAR_DIR` moving the state directory. */
export function stackPaths(root: string, env: NodeJS.ProcessEnv = process.env): StackPaths {
  const varDir = resolve(root, env.OPSIGHT_VAR_DIR ?? 'var');
  return {
    root,
    varDir,
    data: join(varDir, 'data'),
    podLogs: join(varDir, 'log', 'pods'),
    config: join(varDir, 'config'),
    secrets: join(varDir, 'secrets'),
    run: join(varDir, 'run'),
    lockFile: join(varDir, 'run', 'opsight.lock'),
  };
}
