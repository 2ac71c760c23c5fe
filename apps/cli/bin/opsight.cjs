#!/usr/bin/env node
'use strict';
// The `opsight` command. Plain CommonJS that any node can start: it runs the compiled CLI
// (dist/src/bin/opsight.js) under the node scripts/bootstrap chose for this checkout (node-runtime.cjs),
// and says what to do when that node is missing or the build is.

const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { findCheckout, runUnderChosenNode } = require('./node-runtime.cjs');

const root = process.env.OPSIGHT_ROOT || findCheckout(__dirname);
if (!runUnderChosenNode(root, __filename, 'opsight')) {
  const cli = join(__dirname, '..', 'dist', 'src', 'bin', 'opsight.js');
  if (!existsSync(cli)) {
    process.stderr.write(
      `opsight: the build is missing (${cli}).\nRun scripts/bootstrap (npm run up runs it), or npm run build.\n`,
    );
    process.exit(1);
  }
  process.setSourceMapsEnabled(true);
  import(pathToFileURL(cli).href);
}
