// The directory port: who owns a mailbox and her settings. Adapters: ldap.ts, yaml.ts.

/** A profile's own settings (C3): where a caller may be transferred, whether messages may be left. */
export interface ProfileSettings {
  transferTo?: string;
  messagesAllowed?: boolean;
}

/** Per-user settings, decoded from the user-data attribute (codec.ts; keys in README.md). */
export interface UserSettings {
  /** voice mail enabled (C2); default true */
  enabled: boolean;
  /** greeting language: 'de', 'en', ... */
  language?: string;
  greetingType?: 'individual' | 'personalized';
  transferAnnouncement?: 'user' | 'user_and_system';
  /** the profile she chose */
  activeProfile?: string;
  vacation?: boolean;
  /**
   * the first and the last day of her vacation (YYYY-MM-DD, both inclusive, in the office hours'
   * time zone); absent: `vacation` alone decides. See src/schedule/vacation.ts.
   */
  vacationFrom?: string;
  vacationUntil?: string;
  profiles: Record<string, ProfileSettings>;
  /** 'scrypt$...' (X3) */
  pinHash?: string;
  /** the PIN in base64 as ixi-UMS stores it; to be replaced by pinHash on first use */
  legacyPin?: string;
  wrongPinCount: number;
  /** ISO time */
  lockedAt?: string;
  /** ISO time */
  pinChangedAt?: string;
  /** ISO time the welcome mail went out (C10) */
  welcomeSentAt?: string;
  trustedNumbers: string[];
  loginRestriction?: 'everywhere' | 'nowhere' | 'listed';
  access?: 'none' | 'settings' | 'messages';
  /** encrypted elsewhere; stored as given */
  mailPassword?: string;

  // --- her own values of site settings: absent = the site's (config or menus) ---

  /**
   * her own office hours (C4, §4.7.6) as text: `Europe/Berlin; mon-fri 08:00-17:00 break
   * 12:00-13:00; closed 12-24, 12-31`, or `none` (never switch by time). Parsed and checked by
   * src/schedule (`parseUserOfficeHours`) where it is used: a bad value is logged with the key and
   * the company's hours apply.
   */
  officeHours?: string;
  /** her profile outside office hours (C4); '' = none (her choice stays) */
  offHoursProfile?: string;
  /** her profile during breaks (C4); '' = none */
  breakProfile?: string;
  /** how a caller's language is chosen for her mailbox (C6); absent: config.menu.language_choice */
  languageChoice?: 'default' | 'by_caller' | 'ask';
  /** the language of the owner's own menus after login (§5.3.2 "Menu language"); absent: `language` */
  menuLanguage?: string;
  /** PIN-less login from her office number (R2); absent: config.login.trustOffice */
  trustOffice?: boolean;
  /** PIN-less login from her mobile number (R2); absent: config.login.trustMobile */
  trustMobile?: boolean;
  /** further numbers that may log in with a PIN when her login is restricted to `listed` (R2) */
  pinNumbers?: string[];
  /** she must choose a new PIN at her next login (R3) */
  pinChangeRequired?: boolean;
  /** ISO time the PIN-expiry reminder mail went out for the current PIN (R3) */
  pinReminderSentAt?: string;
  /**
   * counts her logouts on the web page: a session remembers it at login and ends when it has
   * changed (a logout in any browser ends them all). Absent: 0.
   */
  webSessions?: number;
  /** the welcome mail goes out again with the next call (C10): with her PIN, or with a new one */
  welcomeResend?: 'pin' | 'newPin';
  /** her IMAP folder (R8, §5.3.3), `/` as the separator, e.g. `INBOX/Voice`; absent: mailbox.folder */
  imapFolder?: string;
  /** another IMAP user whose mailbox is read (R8, §5.x.3); absent: her mailbox alias or login */
  imapUser?: string;
  /** another IMAP server (R8, §5.x.3); absent: from the host attribute rule, else mailbox.imap.host */
  imapHost?: string;

  // --- notifications (N1–N3, §4.5, §5.3.4): absent = the site's (config.notify) ---

  /**
   * her own thresholds: after how many new messages of a type she is told (lamp and SMS);
   * 0 = never for that type. Keys `notifyVoice`, `notifyFax`, `notifySms`.
   */
  notifyThresholds?: { voice?: number; fax?: number; sms?: number };
  /** the message-waiting lamp on her desk phone (N1); key `notifyLamp` Y/N */
  notifyLamp?: boolean;
  /** an SMS to her mobile number (N2); key `notifyBySms` Y/N */
  notifyBySms?: boolean;
  /**
   * ISO time her notification counters were last reset (she entered the message menu by phone,
   * the reset mail, `voicebox notify reset`): only messages that arrived after it count.
   * Key `notifyResetAt`.
   */
  notifyResetAt?: string;
  /**
   * per type, how many of the messages counted since `notifyResetAt` an SMS has already told
   * her about (claimed atomically before the SMS is queued, so two processes send it once).
   * Key `smsNotified`, e.g. `voice:2,fax:1`; cleared by a reset.
   */
  smsNotified?: { voice?: number; fax?: number; sms?: number };
}

export interface DirectoryUser {
  /** DN for LDAP, key for YAML */
  id: string;
  name: string;
  email: string;
  /** the mailbox number as stored (canonical) */
  mailbox: string;
  numbers: { office?: string; mobile?: string; fax?: string };
  login?: string;
  /** the mailbox alias (§4.2.4), from `attributes.mailboxAlias` when configured: the IMAP user */
  mailboxAlias?: string;
  /** the raw value of `attributes.imapHost` when configured, turned into a host by the site's rule (R8) */
  imapHostAttribute?: string;
  /**
   * the raw values of the notification attributes when configured (N3): `lamp` the number whose
   * desk phone shows the lamp (LDAP `attributes.mwiAccount`, default her office number), `sender`
   * the number an SMS names as its sender (`attributes.notifySender`, ixi-UMS's ISDN originating
   * address, e.g. facsimileTelephoneNumber)
   */
  notifyNumbers?: { lamp?: string; sender?: string };
  settings: UserSettings;
  /** the raw user-data values as read, for atomic updates */
  rawUserData: string[];
  /**
   * Set (to the ISO time the entry was taken) when no directory server answered and the entry
   * comes from the last known copy (snapshot.ts): enough to take a message, never to log in.
   */
  lastKnown?: string;
}

export interface Directory {
  /**
   * The owner of a mailbox, searched by every format of the called number the caller computed
   * (canonical, E.164, national, extension). Values are escaped; an empty list finds nobody.
   */
  findByNumber(formats: string[]): Promise<DirectoryUser | undefined>;
  /**
   * The user whose office number (LDAP `attributes.telephone`, YAML `numbers.office`) is one of
   * these formats: who a call forwarded from that extension to a common voice-box number is for.
   * Her `mailbox` is '' when she has no mailbox number of her own. Values escaped as above.
   * Several users with that number: AmbiguousOfficeNumber.
   */
  findByOfficeNumber?(formats: string[]): Promise<DirectoryUser | undefined>;
  /**
   * The user whose login name (LDAP `attributes.login`, YAML `login`, else her YAML key) is
   * `login`, compared as the directory compares it (LDAP: the attribute's matching rule; YAML:
   * without case). The value is escaped as findByNumber's are. For the web page's login form.
   */
  findByLogin?(login: string): Promise<DirectoryUser | undefined>;
  /**
   * Read-modify-write of the user data, atomic across processes: `change` gets the settings as
   * they are now (re-read, not the cached ones) and may be called again when another writer got
   * there first. Decide inside `change`; keep it free of side effects.
   */
  updateSettings(user: DirectoryUser, change: (s: UserSettings) => UserSettings): Promise<DirectoryUser>;
  /**
   * Her entry as stored now, past every cache (LDAP's search cache): what a decision that another
   * process may just have changed the grounds for must read (the notifier's reset time).
   * UserGone when she is no longer there.
   */
  current?(user: DirectoryUser): Promise<DirectoryUser>;
  /** Every user of the directory, for `voicebox migrate` (adapters that can list them). */
  users?(): AsyncIterable<DirectoryUser>;
  close(): Promise<void>;
}

/** Base of the directory's typed errors. */
export class DirectoryError extends Error {
  override name = 'DirectoryError';
}

/** No directory server answered. Carries what an operator needs to look at. */
export class DirectoryUnavailable extends DirectoryError {
  override name = 'DirectoryUnavailable';
  /** every server tried, with why it failed */
  readonly tried: { server: string; error: string }[];
  readonly lastError: unknown;
  constructor(tried: { server: string; error: string }[], lastError: unknown) {
    super(
      `no directory server answered (${tried.length} tried): ` +
        tried.map((t) => `${t.server}: ${t.error}`).join('; '),
    );
    this.tried = tried;
    this.lastError = lastError;
  }
}

/** The directory does not let us write the user data (e.g. LDAP insufficientAccessRights, 50). */
export class SettingsReadOnly extends DirectoryError {
  override name = 'SettingsReadOnly';
  constructor(
    readonly userId: string,
    readonly reason: string,
  ) {
    super(`settings of ${userId} cannot be written: ${reason}`);
  }
}

/** Other writers kept changing the same user data: gave up after `attempts` tries. */
export class SettingsConflict extends DirectoryError {
  override name = 'SettingsConflict';
  constructor(
    readonly userId: string,
    readonly attempts: number,
  ) {
    super(`settings of ${userId} changed under us ${attempts} times in a row; not written`);
  }
}

/**
 * Several users have the office number searched (a team line): whose message it is cannot be
 * told, so nobody is found by it. Carries the count only, never the entries.
 */
export class AmbiguousOfficeNumber extends DirectoryError {
  override name = 'AmbiguousOfficeNumber';
  constructor(readonly count: number) {
    super(`${count} users have this office number`);
  }
}

/** The user to update is no longer in the directory. */
export class UserGone extends DirectoryError {
  override name = 'UserGone';
  constructor(readonly userId: string) {
    super(`user ${userId} is no longer in the directory`);
  }
}

/** A directory configuration or file that cannot be used; the message names the key. */
export class DirectoryConfigError extends DirectoryError {
  override name = 'DirectoryConfigError';
}
