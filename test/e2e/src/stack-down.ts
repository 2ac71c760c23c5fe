/** Stops the e2e stack if a test left it running. */
import { opsight } from './env.js';

const r = opsight(['down']);
process.stdout.write(r.stdout);
process.exit(r.status ?? 1);
