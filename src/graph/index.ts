export type * from './types.js';
export {
  actions,
  actionSignature,
  enumTypes,
  globals,
  recordTypes,
  sayAs,
  summaryWording,
} from './builtins.js';
export type {
  ActionName,
  ActionSignature,
  BuiltinActions,
  EnumType,
  Field,
  OutcomeOf,
  Param,
  ParamTypesOf,
  ResultTypeOf,
} from './builtins.js';
export {
  fileDefault,
  mapSwitches,
  menuSwitches,
  millisecondsPer,
  switchDefaults,
  switchesFromFile,
} from './switches.js';
export type { FileUnit, MenuSwitch, MenuSwitches, SwitchName, SwitchValue } from './switches.js';
export { edgesOf, successors, type Edge } from './edges.js';
