// What every page of the web application is built from (WebDeps) and what it is handed for the
// owner who is logged in (WebOwner). The pages change nothing themselves that the phone changes
// through an action: they run the same actions (`set profile`, `check pin`, `change pin`, ...)
// with a web "call" as the context, so the rules, the counters and the log lines are the phone's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VoiceboxConfig } from '../config/index.js';
import type { Directory, DirectoryUser } from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import type { Greetings } from '../greetings/index.js';
import type { MailboxStore } from '../mailbox/index.js';
import type { Location } from '../phone/index.js';
import type { ActionRegistry, ActionResult, RuntimeLogger, Value } from '../runtime/index.js';
import type { MediaRoot } from '../speech/index.js';
import type { ValueRecord } from '../actions/index.js';

/** The languages the pages are written in; the browser's Accept-Language picks one. */
export type PageLanguage = 'de' | 'en';

/** Everything the web application talks to: the running voicebox's own services. */
export interface WebDeps {
  readonly config: VoiceboxConfig;
  /** the menus of the live release (its profiles, languages, office hours) */
  bundle(): Bundle;
  /** the actions of the live release, over the same directory, spool and mailboxes as the calls */
  actions(): ActionRegistry;
  readonly directory: Directory;
  readonly greetings: Greetings;
  /** the owners' mailboxes (IMAP or the local Maildir); undefined: no messages page */
  readonly mailboxes?: MailboxStore | undefined;
  readonly media: MediaRoot;
  readonly location: Location;
  readonly log: RuntimeLogger;
  /** the time now (tests set it) */
  readonly clock: () => Date;
  /** the directory password check (an LDAP bind as her DN) for web.login directory/both; undefined: not offered */
  readonly passwords?: PasswordCheck | undefined;
  /** her own IMAP password (individual access); undefined: the page has no mail-password form */
  readonly mailPasswords?: MailPasswords | undefined;
  /** what `voicebox user show / unlock` do, for the admin page */
  readonly admin: AdminOperations;
}

/** her directory password, checked by a bind as her entry (never stored, never logged) */
export interface PasswordCheck {
  /** true when the directory takes the bind; false when it refuses the password; throws when no server answers */
  verify(user: DirectoryUser, password: string): Promise<boolean>;
}

/** the mail password for the individual IMAP login (§4.3.4; `voicebox user mail-password`) */
export interface MailPasswords {
  /** checked by an IMAP login as her before it is stored encrypted; `refused` when the server refuses it */
  set(user: DirectoryUser, password: string): Promise<'stored' | 'refused'>;
}

/** what the admin commands do, handed to the admin page by the wiring (src/cli/user-admin.ts) */
export interface AdminOperations {
  /** her entry by mailbox number, login, alias or DN; throws an Error whose message says why not */
  find(wanted: string): Promise<DirectoryUser>;
  /** what `voicebox user show` prints, as label and value pairs (never a PIN, hash or password) */
  report(user: DirectoryUser): ReadonlyArray<readonly [string, string]>;
  /** `voicebox user unlock`: lock and wrong-PIN count cleared, one audit line naming `by` */
  unlock(user: DirectoryUser, by: string): Promise<void>;
  /** one audit line for a change made on the admin page (the company greeting) */
  audit(by: string, action: string, detail: Record<string, string>): Promise<void>;
}

/** The actions of this request, as the phone runs them (src/web/actions.ts). */
export interface WebActions {
  /** runs an action of the live release with this request as the "call"; technical failures throw */
  run(name: string, args: Value[]): Promise<ActionResult>;
}

/** The owner logged in, as a page sees her on this request (set by the auth pre-handler). */
export interface WebOwner {
  /** her entry as the directory has it now (read afresh on every request) */
  readonly user: DirectoryUser;
  /** her `user` record for the actions of this request (`lookup user` of her mailbox) */
  readonly record: ValueRecord;
  readonly actions: WebActions;
  /** her phone access as `loginAccess` gives it: `settings` hides the messages page */
  readonly access: 'settings' | 'messages';
  /** listed in web.admins: the admin page too */
  readonly admin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the page's language (Accept-Language; de or en) */
    pageLanguage: PageLanguage;
    /** set on every route registered with `owner: true` (see RouteOwner); undefined elsewhere */
    owner: WebOwner | undefined;
  }
}

/** The session cookie's content (sealed by @fastify/secure-session; nothing secret in it). */
export interface WebSessionData {
  /** her directory id (DN or YAML key) */
  userId: string;
  /** her mailbox number as stored */
  mailbox: string;
  /** her `pinChangedAt` (or '') at login: a PIN changed since (by phone, or here) ends the session */
  stamp: string;
  /** ms since the epoch of the last request: idle longer than web.sessionMinutes ends it */
  seenAt: number;
  /** ms since the epoch of the login: at most MAX_SESSION_HOURS (src/web/auth.ts) however busy */
  loginAt: number;
  /** her `webSessions` at login: a logout (in any browser) counts it up and so ends every session */
  generation: number;
  /** she logged in with a PIN she must change first: only her voice box (its PIN form) until she has */
  mustChangePin: boolean;
}

/**
 * A page module: registers its routes on the app. `guard.owner` is the pre-handler that lets
 * only a logged-in owner through (and sets `request.owner`, a 303 to /login otherwise);
 * `guard.messages` also needs phone access `messages`; `guard.admin` needs web.admins.
 * Every POST is checked for its CSRF token by the app before the handler runs.
 */
export type PageModule = (app: FastifyInstance, deps: WebDeps, guard: Guards) => void;

export type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface Guards {
  readonly owner: PreHandler;
  readonly messages: PreHandler;
  readonly admin: PreHandler;
}
