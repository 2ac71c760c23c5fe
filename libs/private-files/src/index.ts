export type { ModeFix, PrivateFileOptions, PrivatePathOptions } from './private-path.js';
export {
  ensurePrivateDatabase,
  ensurePrivateDir,
  ensurePrivateFile,
  modeFixLine,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
} from './private-path.js';
