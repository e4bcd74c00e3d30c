export type * from './types.js';
export { actions, enumTypes, globals, recordTypes, sayAs } from './builtins.js';
export type { ActionSignature, EnumType, Field, Param } from './builtins.js';
