'use strict';
// Which Node.js runs Opsight: one decision, made by scripts/bootstrap and followed by every entry point.
//
//   1. OPSIGHT_NODE, the path of a node binary: used as given; an error when it is not Node.js 22 or newer.
//   2. The `node` on PATH, when it is 22 or newer (PATH entries inside the checkout are skipped: they
//      hold the bootstrap's own link, not the machine's node).
//   3. The project's toolchain: Node 24 from the npm registry (scripts/toolchain), installed by the
//      bootstrap into .toolchain/ when it is needed.
//
// The bootstrap records the decision as the link node_modules/.bin/node. `npm run` and `npx` put
// node_modules/.bin first on PATH, so their `node` is that one; the opsight bin and scripts/run-tests.mjs
// re-execute under it when something else started them (runUnderChosenNode).
//
// Plain CommonJS without recent syntax: it runs on whatever node the user's shell has, to say what is
// wrong or to hand over to the chosen one.
//
//   node apps/cli/bin/node-runtime.cjs select <checkout>
//     prints four lines: source (OPSIGHT_NODE, PATH or toolchain), node, version (both empty for the
//     toolchain) and reason; or an error on stderr and exit 1.

const { spawn, spawnSync } = require('node:child_process');
const { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } = require('node:fs');
const { delimiter, join, resolve, sep } = require('node:path');

/** The oldest Node.js major version Opsight runs on. */
const MIN_NODE_MAJOR = 22;

/** The toolchain's node, relative to the checkout (scripts/toolchain installed into .toolchain/). */
const TOOLCHAIN_NODE = join('.toolchain', 'node_modules', '.bin', 'node');

/** The bootstrap's decision, relative to the checkout: a link to the node that runs Opsight. */
const CHOSEN_NODE_LINK = join('node_modules', '.bin', 'node');

/** The version `bin --version` prints ("v24.22.3"), or undefined when it does not run as a node. */
function nodeVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10000 });
  const m = r.status === 0 && /^v(\d+)\.(\d+)\.(\d+)\s*$/.exec(r.stdout);
  return m ? m[0].trim() : undefined;
}

/** The major version of "v24.22.3" or "24.22.3". */
function majorOf(version) {
  return Number(/^v?(\d+)/.exec(version)[1]);
}

function isExecutableFile(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `node` on `pathValue`, skipping the directories inside `skipDir`. */
function nodeOnPath(pathValue, skipDir) {
  const skip = resolve(skipDir) + sep;
  for (const dir of (pathValue || '').split(delimiter)) {
    if (!dir || (resolve(dir) + sep).startsWith(skip)) continue;
    const candidate = join(dir, 'node');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Decides which node runs the checkout at `root`, from `env` (OPSIGHT_NODE, PATH). Returns
 * `{ source, node, version, reason }`; for the toolchain, `node` and `version` are undefined (the
 * bootstrap installs it). Throws when OPSIGHT_NODE names something that is not Node.js 22 or newer.
 */
function selectNode(root, env) {
  const wanted = env.OPSIGHT_NODE;
  if (wanted) {
    const node = resolve(wanted);
    if (!isExecutableFile(node)) throw new Error(`OPSIGHT_NODE=${wanted} is not an executable file`);
    const version = nodeVersion(node);
    if (!version) throw new Error(`OPSIGHT_NODE=${wanted} does not run as Node.js (\`--version\` failed)`);
    if (majorOf(version) < MIN_NODE_MAJOR) {
      throw new Error(
        `OPSIGHT_NODE=${wanted} is Node.js ${version}; Opsight needs ${MIN_NODE_MAJOR} or newer`,
      );
    }
    return { source: 'OPSIGHT_NODE', node, version, reason: 'OPSIGHT_NODE names it' };
  }
  const onPath = nodeOnPath(env.PATH, root);
  const version = onPath && nodeVersion(onPath);
  if (onPath && version && majorOf(version) >= MIN_NODE_MAJOR) {
    return {
      source: 'PATH',
      node: onPath,
      version,
      reason: `the node on PATH is ${MIN_NODE_MAJOR} or newer`,
    };
  }
  return {
    source: 'toolchain',
    node: undefined,
    version: undefined,
    reason: onPath
      ? `the node on PATH (${onPath}) is ${version || 'not a working Node.js'}, older than ${MIN_NODE_MAJOR}`
      : 'there is no node on PATH',
  };
}

/** Walks up from `dir` to the Opsight checkout (the package.json named "opsight"). */
function findCheckout(dir) {
  let at = resolve(dir);
  for (;;) {
    const pkg = join(at, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'opsight') {
      return at;
    }
    const up = resolve(at, '..');
    if (up === at) return undefined;
    at = up;
  }
}

function realpathOrUndefined(file) {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * What a script started by the node at `running` (version `version`) does in the checkout at `root`:
 * `{ run: 'here' }` when that node is the bootstrap's choice (or, none being recorded yet, is new
 * enough), `{ run: 'chosen', node }` to start again under the chosen node, `{ run: 'too-old' }` when it
 * is too old and no choice is recorded. `reexecuted` (OPSIGHT_REEXEC set) stops a second hand-over.
 */
function planRun(root, running, version, reexecuted) {
  const chosen = root && realpathOrUndefined(join(root, CHOSEN_NODE_LINK));
  if (!chosen || chosen === realpathOrUndefined(running) || reexecuted) {
    return majorOf(version) >= MIN_NODE_MAJOR ? { run: 'here' } : { run: 'too-old' };
  }
  return { run: 'chosen', node: chosen };
}

/**
 * Makes sure `script` runs under the node the bootstrap chose for the checkout at `root` (planRun).
 * Returns false when the caller goes on in this process. Otherwise it starts `script` again under the
 * chosen node with the same arguments, waits for it and exits with its status, and returns true (the
 * caller must do nothing more); or exits 1 with a message when this node is too old and none is chosen.
 *
 * SIGTERM and SIGHUP are passed on; SIGINT is not, because Ctrl-C reaches the whole process group and a
 * second one would cut the child's clean stop short.
 */
function runUnderChosenNode(root, script, name) {
  const plan = planRun(root, process.execPath, process.versions.node, Boolean(process.env.OPSIGHT_REEXEC));
  // Only this process was handed over: what it starts decides again.
  delete process.env.OPSIGHT_REEXEC;
  if (plan.run === 'here') return false;
  if (plan.run === 'too-old') {
    process.stderr.write(
      `${name}: Opsight needs Node.js ${MIN_NODE_MAJOR} or newer, and this is ${process.version} (${process.execPath}).\n` +
        'Run scripts/bootstrap (npm run up and npm test run it): it brings Node 24 into .toolchain/ when\n' +
        `the machine's node is older. Or use your own: OPSIGHT_NODE=/path/to/node, or a node >= ${MIN_NODE_MAJOR} on PATH,\n` +
        'then scripts/bootstrap again.\n',
    );
    process.exit(1);
  }
  const chosen = plan.node;
  const child = spawn(chosen, process.execArgv.concat([script], process.argv.slice(2)), {
    stdio: 'inherit',
    env: Object.assign({}, process.env, { OPSIGHT_REEXEC: '1' }),
  });
  const pass = (signal) => () => child.kill(signal);
  process.on('SIGTERM', pass('SIGTERM'));
  process.on('SIGHUP', pass('SIGHUP'));
  process.on('SIGINT', () => {});
  child.on('error', (error) => {
    process.stderr.write(`${name}: cannot start ${chosen}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code === null ? 1 : code);
  });
  return true;
}

module.exports = {
  MIN_NODE_MAJOR,
  TOOLCHAIN_NODE,
  CHOSEN_NODE_LINK,
  nodeVersion,
  selectNode,
  findCheckout,
  planRun,
  runUnderChosenNode,
};

if (require.main === module) {
  const [command, root] = process.argv.slice(2);
  if (command !== 'select' || !root) {
    process.stderr.write('usage: node node-runtime.cjs select <checkout>\n');
    process.exit(2);
  }
  try {
    const c = selectNode(root, process.env);
    process.stdout.write(`${[c.source, c.node || '', c.version || '', c.reason].join('\n')}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
