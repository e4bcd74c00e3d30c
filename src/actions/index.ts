// The business actions the menus call, one registry per server, built from its ports.
export { callerActions, UserRecords, type CallerSideOptions } from './caller.js';
