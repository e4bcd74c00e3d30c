// The business actions the menus call: one typed module per action, one registry per server,
// built from its ports (createActions).
export { actionModules, createActions } from './create.js';
export {
  defineAction,
  done,
  outcome,
  recordTypeNames,
  value,
  type ActionBody,
  type ActionModule,
  type ArgsOf,
  type OutcomeOf,
  type ResultOf,
  type Returns,
  type ValueRecord,
} from './define.js';
export { loginDecision } from './login.js';
export { mailboxOwnerOf, type ImapHostRule, type SiteMailboxStore } from './mailboxes.js';
export { loginAccess } from './access.js';
export { pinExpired, pinExpiresAt, pinExpiresSoon, pinHashIsCurrent, spendPinHash } from './pin.js';
export {
  MessageWaitingEvents,
  type ActionKit,
  type ActionPolicy,
  type ActionPorts,
  type LoginPolicy,
  type WelcomePolicy,
} from './ports.js';
