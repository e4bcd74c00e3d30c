// What the actions are built from (ActionPorts), and what each action is handed (ActionKit):
// the ports, plus the records the registry owns, so that a `user` found by one action is
// known to every other.
import { EventEmitter } from 'node:events';
import type { Directory } from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import type { Greetings } from '../greetings/index.js';
import type { Mailer } from '../mail/index.js';
import type { MailboxStore } from '../mailbox/index.js';
import type { DialPolicy, Location } from '../phone/index.js';
import type { RuntimeLogger } from '../runtime/index.js';
import type { MediaRoot } from '../speech/index.js';
import type { CallMailboxes } from './mailboxes.js';
import type { MessageRecords, UserRecords } from './records.js';

/** config.login (src/config/schema.ts) */
export interface LoginPolicy {
  /** phone login allowed by default (a user's own `access` overrides it) */
  readonly allowed: boolean;
  readonly restriction: 'everywhere' | 'nowhere' | 'listed';
  /** PIN-less login from the office number (her extension too); off unless the admin chose it */
  readonly trustOffice: boolean;
  /** PIN-less login from the mobile number; off unless the admin chose it */
  readonly trustMobile: boolean;
  /** PIN-less login from the numbers in the user's own `trusted` list; off unless the admin chose it */
  readonly trustListedNumbers: boolean;
  readonly access: 'none' | 'settings' | 'messages';
  readonly maxWrongPins: number;
  readonly notifyLock: boolean;
  /** the wrong-PIN log file; '' = none */
  readonly wrongPinLog: string;
  /** 0 = PINs do not expire */
  readonly pinExpiryDays: number;
  readonly remindDays: number;
  readonly afterExpiry: 'change' | 'refuse';
  /**
   * a PIN voicebox did not see its owner choose (ixi-UMS's `legacyPin`, a hash without
   * `pinChangedAt`, the site's default PIN) must be changed at the next login; default false
   */
  readonly changeInheritedPins?: boolean;
}

/** config.welcome (src/config/schema.ts) */
export interface WelcomePolicy {
  /** send the welcome mail on the first call to a mailbox */
  readonly enabled: boolean;
  /** the shortest PIN made or accepted */
  readonly minPinLength: number;
  /** the PIN of users who have none */
  readonly defaultPin?: string;
  /** where she may set up her mailbox in a browser, named in the welcome mail */
  readonly portalUrl?: string;
}

/** The site's rules the actions apply. */
export interface ActionPolicy {
  readonly login: LoginPolicy;
  readonly welcome: WelcomePolicy;
  /** where a transfer, a call back or a fax may go (default: internal and national) */
  readonly dial?: DialPolicy | undefined;
  /** config speech.readMail: e-mails read aloud in remote inquiry (default true; false: not counted or offered) */
  readonly readMail?: boolean | undefined;
}

/** "The owner has seen her messages": the notifier clears her message-waiting lamp (N1). */
export class MessageWaitingEvents extends EventEmitter<{ seen: [{ mailbox: string; user: string }] }> {}

/** Everything the actions are built from: one set per server. */
export interface ActionPorts {
  /** the compiled menus: default language and profile, office hours, profiles, languages */
  readonly bundle: Bundle;
  readonly directory: Directory;
  /** the owners' mailboxes, for remote inquiry; without it, its actions fail as a technical problem */
  readonly mailboxes?: MailboxStore | undefined;
  readonly mailer: Mailer;
  readonly greetings: Greetings;
  /** the media root: the owner's messages are fetched into it for FreeSWITCH to play */
  readonly media: MediaRoot;
  readonly location: Location;
  readonly policy: ActionPolicy;
  readonly messageWaiting?: MessageWaitingEvents | undefined;
  /** the time now (tests set it) */
  readonly clock?: (() => Date) | undefined;
  readonly log: RuntimeLogger;
}

/** What every action is handed: the ports, the clock, the dial policy and the shared records. */
export interface ActionKit extends Omit<ActionPorts, 'clock' | 'policy'> {
  readonly policy: ActionPolicy & { readonly dial: DialPolicy };
  readonly now: () => Date;
  /** the menus' default language and profile */
  readonly defaults: { readonly language: string; readonly profile: string };
  readonly users: UserRecords;
  readonly messages: MessageRecords;
  readonly callMailboxes: CallMailboxes;
}
