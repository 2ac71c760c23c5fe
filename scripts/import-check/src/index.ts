export type { Problem } from './check.js';
export { checkImports, findCycles } from './check.js';
export type { ImportSpecifier } from './import-specifiers.js';
export { importSpecifiers, packageOf } from './import-specifiers.js';
export { arrowAllowed, LAYERS, layerOf } from './layers.js';
export type { Token } from './lexer.js';
export { tokenize, withoutComments } from './lexer.js';
export type { Workspace } from './workspace.js';
export { readWorkspaces, sourceFiles } from './workspace.js';
