// The owners' web page and the admin's page (src/web/README.md).
export { createWebApp, sessionKeyFrom, startWeb, WebConfigError, type WebAppOptions } from './server.js';
export type {
  AdminOperations,
  Guards,
  MailPasswords,
  PageLanguage,
  PageModule,
  PasswordCheck,
  WebActions,
  WebDeps,
  WebOwner,
  WebSessionData,
} from './context.js';
