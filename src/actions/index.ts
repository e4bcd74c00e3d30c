// The business actions the menus call, one registry per server, built from its ports.
export { callerActions, UserRecords, type CallerSideOptions } from './caller.js';
export {
  composeLockMail,
  loginActions,
  loginDecision,
  pinExpired,
  pinExpiresSoon,
  type LockMailInput,
  type LoginOptions,
  type LoginPolicy,
} from './login.js';
export { settingsActions, type SettingsOptions } from './settings.js';
export { inquiryActions, MessageWaitingEvents, type InquiryOptions } from './inquiry.js';
