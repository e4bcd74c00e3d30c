// The server's settings: one YAML file, every key with a default, checked at start.
// A bad value is reported with its key and the line of the file; secrets are never
// printed (see `redacted`).
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { enumTypes, fileDefault, mapSwitches, type SwitchName, type SwitchValue } from '../graph/index.js';

interface Common {
  /** left out, the key has no value (instead of being required) */
  optional?: boolean;
  /** a line above the key in the sample file, and in its error messages */
  hint?: string;
}
export interface StringRule extends Common {
  kind: 'string';
  default?: string;
  secret?: boolean;
  pattern?: RegExp;
  /** a file or folder of this host: relative to the config file's folder (without a file: the working directory) */
  path?: boolean;
  /** '' is a value of its own (off, none): accepted as written, never made a path */
  empty?: boolean;
}
export interface NumberRule extends Common {
  kind: 'number';
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}
export interface BooleanRule extends Common {
  kind: 'boolean';
  default?: boolean;
}
export interface EnumRule extends Common {
  kind: 'enum';
  values: readonly string[];
  default?: string;
}
export interface ListRule extends Common {
  kind: 'list';
  of: 'string';
  default?: readonly string[];
}
export interface MapRule extends Common {
  kind: 'map';
  of: 'string';
}
export interface SectionRule extends Common {
  kind: 'section';
  fields: Fields;
  /** rules between its settings, on the checked values: problems keyed relative to the section */
  check?: (values: Readonly<Record<string, unknown>>) => Array<{ key: string; message: string }>;
}
/** A list whose every item is a section of the same settings (the rows of a table). */
export interface SectionsRule extends Common {
  kind: 'sections';
  fields: Fields;
  default: readonly [];
}
/** How one setting is checked. */
export type Rule =
  StringRule | NumberRule | BooleanRule | EnumRule | ListRule | MapRule | SectionRule | SectionsRule;
export type Fields = Readonly<Record<string, Rule>>;

// The helpers keep each rule's literal type (`const` parameters): the config's TypeScript type
// is read off them (see `SectionOf` below), so a key, its kind and whether it may be absent are
// written once, here.
const s = <const R extends Omit<StringRule, 'kind'>>(extra: R) => ({ kind: 'string' as const, ...extra });
const n = <const R extends Omit<NumberRule, 'kind'>>(extra: R) => ({ kind: 'number' as const, ...extra });
const b = (value: boolean, hint?: string) => ({
  kind: 'boolean' as const,
  default: value,
  ...(hint ? { hint } : {}),
});
const e = <const V extends readonly string[]>(values: V, value: V[number], hint?: string) => ({
  kind: 'enum' as const,
  values,
  default: value,
  ...(hint ? { hint } : {}),
});
const section = <const F extends Fields>(fields: F, check?: SectionRule['check']) => ({
  kind: 'section' as const,
  fields,
  optional: false as const,
  ...(check ? { check } : {}),
});
/** a section that is absent unless the file has it (the server it describes is not used then) */
const optionalSection = <const F extends Fields>(fields: F, check?: SectionRule['check']) => ({
  kind: 'section' as const,
  fields,
  optional: true as const,
  ...(check ? { check } : {}),
});

/** a list of sections, empty unless the file has items: each is checked as `key[index].field` */
const sections = <const F extends Fields>(fields: F, hint: string) => ({
  kind: 'sections' as const,
  fields,
  default: [] as const,
  hint,
});

type SwitchRule = (BooleanRule | NumberRule | EnumRule) & { default: SwitchValue };

/** The file's `menu` section, made from the one table of menu switches. */
function menuRules(): Record<SwitchName, SwitchRule> {
  return mapSwitches((sw, name): SwitchRule => {
    const value = fileDefault(sw);
    if (typeof value === 'boolean') return { kind: 'boolean', default: value };
    if (typeof value === 'number')
      return {
        kind: 'number',
        default: value,
        integer: true,
        ...(sw.file ? { min: sw.file.min, max: sw.file.max, hint: sw.file.hint } : {}),
      };
    const members = enumTypes[sw.type]?.members;
    if (members === undefined || typeof members === 'string')
      throw new Error(`menu switch ${name}: ${sw.type} is not an enum of fixed members`);
    return { kind: 'enum', values: members, default: value };
  });
}

/** after how many new messages of a kind a user is told (notify.thresholds) */
const threshold = (what: string) =>
  n({
    default: 1,
    min: 0,
    max: 1000,
    integer: true,
    hint: `after how many new ${what} she is told (lamp and SMS); 0: never`,
  });
/** addresses only this host reaches */
const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/i;

const hostPort = /^[^\s:]+:\d{1,5}$/;
const digits = /^[0-9]*$/;

/** an espeak-ng voice (`espeak-ng --voices=de` lists them): a language, a file, a variant after + */
const voice = (value: string) =>
  s({
    default: value,
    pattern: /^[A-Za-z][A-Za-z0-9_-]{0,40}(?:\/[A-Za-z0-9_-]{1,40})?(?:\+[A-Za-z0-9_-]{1,40})?$/,
    hint: 'an espeak-ng voice as espeak-ng --voices lists it, a variant after + (e.g. de, de+f3, mb-de5, en-us+klatt)',
  });
/** espeak-ng's speed, the range its -s option takes */
const wordsPerMinute = () =>
  n({ default: 150, min: 80, max: 450, integer: true, hint: 'words per minute (espeak-ng -s)' });

/** a further site whose numbers are those of the location or of a site before it */
function sameSiteTwice(location: Readonly<Record<string, unknown>>): Array<{ key: string; message: string }> {
  const range = (site: Readonly<Record<string, unknown>>): string =>
    `+${String(site['countryCode'] ?? location['countryCode'])} ${String(site['areaCode'])} ${String(site['subscriberBase'])}`;
  const seen = [range(location)];
  const sites = Array.isArray(location['sites']) ? (location['sites'] as Array<Record<string, unknown>>) : [];
  return sites.flatMap((site, i) => {
    const own = range(site);
    const twice = seen.includes(own);
    seen.push(own);
    return twice ? [{ key: `sites[${i}].subscriberBase`, message: `${own} is a site already` }] : [];
  });
}

/** an e-mail address as a From may carry it: dot-atom local part @ a host name */
const MAIL_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** the languages voicebox writes its mails in (src/mail/compose.ts) */
const MAIL_LANGUAGES = ['de', 'en'];
/** a welcome mail's files together: well below the 10 to 25 MB mail servers commonly accept */
export const WELCOME_ATTACHMENTS_MB = 10;

/**
 * The welcome mail's free texts and files, checked at start: a text in a language voicebox
 * writes no mail in would never be sent, and a file that is missing or too big would fail
 * every welcome mail at the mail server, long after the admin looked.
 */
function checkWelcome(w: Readonly<Record<string, unknown>>): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  const text = (w['text'] ?? {}) as Readonly<Record<string, string>>;
  for (const language of Object.keys(text))
    if (!MAIL_LANGUAGES.includes(language))
      problems.push({
        key: `text.${language}`,
        message: `voicebox writes its mails in ${MAIL_LANGUAGES.join(' and ')}: a text for '${language}' is never sent`,
      });
  let total = 0;
  for (const file of (w['attachments'] ?? []) as readonly string[]) {
    if (!isAbsolute(file)) {
      problems.push({ key: 'attachments', message: `'${file}' is not an absolute path` });
      continue;
    }
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw Object.assign(new Error(), { code: 'not a file' });
      accessSync(file, constants.R_OK);
      total += stat.size;
    } catch (e) {
      problems.push({
        key: 'attachments',
        message: `'${file}' cannot be read by voicebox: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      });
    }
  }
  if (total > WELCOME_ATTACHMENTS_MB * 1024 * 1024)
    problems.push({
      key: 'attachments',
      message: `the files are ${(total / 1024 / 1024).toFixed(1)} MB together; at most ${WELCOME_ATTACHMENTS_MB} MB`,
    });
  return problems;
}

export const schema = {
  freeswitch: section({
    // another address than loopback: serve warns unless freeswitch.token is set (freeswitch/README.md)
    listen: s({ default: '127.0.0.1:8084', pattern: hostPort, hint: 'HOST:PORT, e.g. 127.0.0.1:8084' }),
    // whoever reaches the listen port can pose as FreeSWITCH and claim any caller number
    token: s({
      optional: true,
      secret: true,
      // the placeholder of freeswitch/dialplan/voicebox.xml is refused: it is public
      pattern: /^(?!.*CHANGE-ME)[A-Za-z0-9._~+/=-]{16,256}$/,
      hint: 'a shared secret of 16 to 256 letters, digits or ._~+/=- that the dialplan sets as voicebox_token (e.g. openssl rand -hex 24)',
    }),
    // Each connection is one file descriptor and up to maxBodyBytes of buffer: without a cap,
    // stalled connections exhaust memory or descriptors and real calls are refused unlogged.
    maxConnections: n({
      default: 500,
      min: 1,
      max: 100_000,
      integer: true,
      hint: 'calls at once, one file descriptor each; keep below the LimitNOFILE of the service',
    }),
    maxBufferedBytes: n({
      default: 64 * 1024 * 1024,
      min: 1024 * 1024,
      integer: true,
      hint: 'bytes received and not yet parsed, all calls together; beyond it the connection holding most is closed',
    }),
    // set: serve keeps one connection to mod_event_socket (the lamps and SMS use it); unset: none
    inbound: optionalSection({
      host: s({ default: '127.0.0.1', hint: "mod_event_socket's listen-ip" }),
      port: n({ default: 8021, min: 1, max: 65535, integer: true, hint: "mod_event_socket's listen-port" }),
      password: s({
        default: 'ClueCon',
        secret: true,
        hint: "the password of event_socket.conf.xml (change FreeSWITCH's default ClueCon there and here)",
      }),
      reconnectMinMs: n({
        default: 1_000,
        min: 1,
        max: 600_000,
        integer: true,
        hint: 'first wait after a failed login or a lost connection; doubles with each failure in a row',
      }),
      reconnectMaxMs: n({
        default: 30_000,
        min: 1,
        max: 3_600_000,
        integer: true,
        hint: 'longest wait between two attempts (each wait is shortened by up to half at random)',
      }),
      livenessIntervalMs: n({
        default: 20_000,
        min: 100,
        max: 3_600_000,
        integer: true,
        hint: 'how often the connection is asked `api status`',
      }),
      livenessTimeoutMs: n({
        default: 10_000,
        min: 100,
        max: 600_000,
        integer: true,
        hint: 'no answer to `api status` within this: the connection is dropped and made again',
      }),
    }),
  }),
  media: section({
    local: s({ default: 'media', path: true, hint: 'the media folder as voicebox sees it' }),
    // a path on FreeSWITCH's host: a relative one would be looked up in FreeSWITCH's sounds folder
    freeswitch: s({
      optional: true,
      pattern: /^\/\S*$/,
      hint: 'the same folder as FreeSWITCH sees it, an absolute path without spaces (default: media.local)',
    }),
  }),
  // callers' voices belong in the owner's mailbox: a copy on the media disk is kept only on purpose
  recordings: section({
    keepDays: n({
      default: 0,
      min: 0,
      max: 3650,
      integer: true,
      hint: "days callers' recordings stay in the media folder; 0 deletes each once its mail is delivered",
    }),
  }),
  speech: section({
    renderTimeoutMs: n({
      default: 20_000,
      min: 100,
      max: 600_000,
      integer: true,
      hint: 'a text-to-speech render running longer is killed; the call then apologises and hangs up',
    }),
    // §4.6 "Activate TTS-dependent functionality: for remote inquiry (reading e-mails)"
    readMail: b(
      true,
      'read e-mails aloud in remote inquiry, for all users; false: e-mails are neither counted, announced nor offered',
    ),
    // §4.6 "Speaker Assignment": the espeak-ng voice and speed per language of the prompts
    voices: section({ de: voice('de'), en: voice('en-us') }),
    rate: section({ de: wordsPerMinute(), en: wordsPerMinute() }),
  }),
  menus: s({ optional: true, path: true, hint: 'a folder of .ivr files (default: the shipped menus)' }),
  location: section(
    {
      countryCode: s({ default: '49', pattern: /^[1-9][0-9]{0,2}$/, hint: 'digits without +, e.g. 49' }),
      areaCode: s({ default: '30', pattern: digits, hint: 'without the leading 0, e.g. 30' }),
      subscriberBase: s({
        default: '1234',
        pattern: digits,
        hint: "the company's number without the extension",
      }),
      extensionLength: n({
        default: 3,
        min: 1,
        max: 8,
        integer: true,
        hint: 'digits of an internal extension',
      }),
      outsideLinePrefix: s({
        default: '0',
        pattern: digits,
        hint: 'what is dialled first for an outside line',
      }),
      commonNumbers: {
        kind: 'list',
        of: 'string',
        default: [],
        hint: 'the voice-box numbers shared by everyone: a call to one that was forwarded finds the owner by the forwarding number (empty: off)',
      },
      // §4.4 "Site" lists several: their numbers are the company's own too (internal callers, a
      // user's extension at her own site); a bare extension still belongs to the site above
      sites: sections(
        {
          name: s({ optional: true, hint: 'what you call it, e.g. Starnberg' }),
          countryCode: s({
            optional: true,
            pattern: /^[1-9][0-9]{0,2}$/,
            hint: 'default: location.countryCode',
          }),
          areaCode: s({ pattern: digits, hint: 'without the leading 0, e.g. 8151' }),
          subscriberBase: s({ pattern: digits, hint: "the site's number without the extension, e.g. 36856" }),
          extensionLength: n({
            optional: true,
            min: 1,
            max: 8,
            integer: true,
            hint: 'default: location.extensionLength',
          }),
          outsideLinePrefix: s({
            optional: true,
            pattern: digits,
            hint: 'default: location.outsideLinePrefix',
          }),
        },
        "the company's further sites, each with areaCode and subscriberBase (and name, countryCode, extensionLength, outsideLinePrefix where they differ from the site above), e.g. [{ name: Starnberg, areaCode: '8151', subscriberBase: '36856' }]",
      ),
    },
    sameSiteTwice,
  ),
  directory: section({
    type: e(
      ['yaml', 'ldap'],
      'yaml',
      'yaml reads the users file (directory.file), ldap the servers of directory.ldap',
    ),
    file: s({
      default: 'users.yaml',
      path: true,
      hint: 'the users file; a missing default one starts as a copy of examples/users.yaml',
    }),
    localSettings: s({
      default: 'local-settings.json',
      path: true,
      hint: 'where settings go when the directory is read-only for voicebox',
    }),
    // LDAP only: with both servers down, callers can still leave messages for owners seen before
    lastKnown: s({
      default: 'last-known-entries.json',
      path: true,
      hint: 'the last known entries of mailbox owners (no PINs), used only to take messages while no LDAP server answers',
    }),
    lastKnownEntries: n({ default: 10_000, min: 0, max: 1_000_000, integer: true, hint: '0 keeps none' }),
    ldap: optionalSection({
      servers: { kind: 'list', of: 'string', hint: 'ldap:// or ldaps:// URLs, tried in this order' },
      bindDn: s({ optional: true, hint: 'the entry voicebox binds as' }),
      bindPassword: s({ optional: true, secret: true }),
      baseDn: s({ optional: true, hint: 'where the users are searched' }),
      ous: { kind: 'list', of: 'string', default: [] },
      filter: s({ optional: true, hint: 'a filter template with ${NUMBER}, see src/directory/README.md' }),
      attributes: {
        kind: 'map',
        of: 'string',
        optional: true,
        hint: 'which LDAP attribute holds what, over the defaults: mail, name, mailbox, telephone, mobile, fax, login, userData, mailboxAlias (e.g. mailNickname: the IMAP mailbox name, $(MAILBOX)), mwiAccount (the number whose desk phone shows her lamp; default her office number) and notifySender (the sender number of her SMS, e.g. facsimileTelephoneNumber)',
      },
      timeoutMs: n({ default: 3000, min: 100, integer: true, hint: 'milliseconds for one LDAP request' }),
      cacheTtlMs: n({
        default: 10_000,
        min: 0,
        integer: true,
        hint: 'milliseconds an entry found is reused',
      }),
      rejectUnauthorized: b(true),
    }),
  }),
  mail: section({
    domain: s({ default: 'example.com' }),
    fromTemplate: s({ optional: true, hint: 'e.g. $(phonenumber)@$(addrtype).example.com' }),
    spool: s({
      default: 'spool',
      path: true,
      hint: 'messages waiting to be sent; the signing key is made beside it',
    }),
    // signs every voice message, so remote inquiry believes a voice message only when voicebox
    // wrote it; every node that sends or reads voice messages must have the same key
    signingKey: s({
      optional: true,
      secret: true,
      pattern: /^\s*(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)\s*$/,
      hint: '32 bytes as 64 hex digits or base64 (openssl rand -hex 32), the same on every node; unset: made once in voicebox-signing.key beside the spool folder',
    }),
    maildir: s({
      default: 'maildir',
      path: true,
      hint: 'where messages go when no SMTP server is configured',
    }),
    smtp: optionalSection(
      {
        host: s({ hint: 'the SMTP server; without mail.smtp, messages go into mail.maildir' }),
        port: n({ default: 25, min: 1, max: 65535, integer: true }),
        secure: b(false, 'TLS from the first byte (usually port 465)'),
        starttls: b(false, 'STARTTLS after connecting (usually port 587)'),
        user: s({ optional: true, hint: 'SMTP AUTH user (needs secure or starttls)' }),
        password: s({ optional: true, secret: true, hint: 'SMTP AUTH password' }),
        // without TLS the password crosses the network readable by anyone on the path
        allowPlaintextAuth: b(
          false,
          'send user and password without TLS: anyone on the network path reads them; only for a server on this host',
        ),
        // connecting, TLS and the greeting; nothing is sent yet, so a retry is harmless
        timeoutMs: n({
          default: 10_000,
          min: 100,
          integer: true,
          hint: 'milliseconds to connect, TLS and greeting',
        }),
        // RFC 5321 §4.5.3.2: each reply before the end of the message (MAIL, RCPT 5 min)
        commandTimeoutMs: n({
          default: 300_000,
          min: 1_000,
          integer: true,
          hint: 'milliseconds for each reply before the end of the message (RFC 5321: 5 minutes)',
        }),
        // RFC 5321 §4.5.3.2.6: the reply to the end of the message. Giving up sooner sends the
        // message again while a slow content filter may still deliver the first copy
        dataTimeoutMs: n({
          default: 600_000,
          min: 60_000,
          integer: true,
          hint: 'milliseconds for the reply to the end of the message (RFC 5321: 10 minutes); shorter sends it twice when a filter is slow',
        }),
        ca: s({
          optional: true,
          path: true,
          hint: "a PEM file with the CA that signed the SMTP server's certificate",
        }),
        rejectUnauthorized: b(true),
      },
      (smtp) =>
        smtp.user !== undefined && !smtp.secure && !smtp.starttls && !smtp.allowPlaintextAuth
          ? [
              {
                key: 'user',
                message:
                  'the password would cross the network unencrypted: set starttls: true (port 587) or ' +
                  'secure: true (port 465); for a server on this host only, allowPlaintextAuth: true',
              },
            ]
          : [],
    ),
  }),
  login: section({
    allowed: b(true),
    restriction: e(['everywhere', 'nowhere', 'listed'], 'everywhere'),
    // PIN-less login: caller ID is forged as easily as it is set (SIP From, P-Asserted-Identity
    // from an untrusted trunk, or a fake FreeSWITCH on the socket): whoever can send her number
    // hears her messages. Switch on only for numbers the PBX itself authenticates.
    trustOffice: b(
      false,
      'RISK: the office number (and extension) logs in without a PIN; caller ID can be forged',
    ),
    trustMobile: b(false, 'RISK: the mobile number logs in without a PIN; caller ID can be forged'),
    trustListedNumbers: b(
      false,
      "RISK: the numbers in a user's own trusted list log in without a PIN; caller ID can be forged",
    ),
    access: e(['none', 'settings', 'messages'], 'messages'),
    maxWrongPins: n({
      default: 3,
      min: 1,
      max: 20,
      integer: true,
      hint: 'wrong PINs before the mailbox locks',
    }),
    notifyLock: b(true, 'a mail to the owner when her mailbox locks'),
    wrongPinLog: s({ default: 'wrong-pin.log', path: true, hint: 'one line per wrong PIN' }),
    pinExpiryDays: n({
      default: 0,
      min: 0,
      max: 3650,
      integer: true,
      hint: 'days a PIN is valid; 0: for ever',
    }),
    remindDays: n({ default: 7, min: 0, max: 365, integer: true }),
    afterExpiry: e(['change', 'refuse'], 'change'),
    changeInheritedPins: b(
      false,
      'a PIN the owner did not choose with voicebox (from ixi-UMS, set by an admin) must be changed at her next login',
    ),
  }),
  mailbox: section({
    type: e(
      ['maildir', 'imap'],
      'maildir',
      'maildir reads the messages in mail.maildir, imap those of mailbox.imap',
    ),
    // a message is downloaded to be played: a 25 MB "voice message" must not be fetched on every call
    maxAudioBytes: n({ default: 20 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024, integer: true }),
    maxTextBytes: n({ default: 64 * 1024, min: 1024, max: 16 * 1024 * 1024, integer: true }),
    // an unsigned `+4930…@voice.<domain>` sender is as easy to forge as a header: believed only
    // for the gateways listed here (an ixi-UMS migration lists its old domain)
    trustedSenderDomains: {
      kind: 'list',
      of: 'string',
      default: [],
      hint: 'gateway domains whose $(phonenumber)@voc./voice./fax./sms.<domain> senders count as voice (with audio attached), fax, SMS (default none)',
    },
    folder: s({ default: 'INBOX' }),
    trash: s({ default: 'Deleted Voice Messages' }),
    deleteMode: e(['trash', 'expunge'], 'trash'),
    imap: optionalSection({
      host: s({ default: '127.0.0.1' }),
      port: n({ default: 143, min: 1, max: 65535, integer: true }),
      tls: b(false),
      rejectUnauthorized: b(true),
      access: e(['administrative', 'individual', 'both'], 'administrative'),
      adminMode: e(['master', 'namespace', 'template'], 'master'),
      masterUser: s({ optional: true }),
      masterPassword: s({ optional: true, secret: true }),
      masterSeparator: s({ default: '*' }),
      namespace: s({ default: 'Other Users/' }),
      pathTemplate: s({ default: 'user.${MAILBOX}' }),
      loginTemplate: s({ default: '$(LOGIN)' }),
      passwordKey: s({
        optional: true,
        secret: true,
        // what passwordKeyBytes (src/mailbox/secrets.ts) accepts: a bad key is found at start,
        // not at the first call that needs it
        pattern: /^\s*(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=*)\s*$/,
        hint: '32 bytes as 64 hex digits or base64: encrypts stored mailbox passwords',
      }),
      timeoutMs: n({ default: 5000, min: 100, integer: true }),
      // mailboxes on several servers, the server named in the directory (the ixi-UMS Voice-Mail
      // Server manual §4.3.1 "Try to read IMAP host from LDAP"); a user's own imapHost wins
      hostRule: optionalSection(
        {
          attribute: s({ hint: 'the LDAP attribute that names her mail server, e.g. msExchHomeServerName' }),
          pattern: s({ hint: 'a regular expression, case-insensitive, e.g. ^cn=([^,]+),o=domain$' }),
          replacement: s({ hint: 'the host, \\1 or $1 for a group, e.g. \\1.domain.net' }),
        },
        (v) => {
          const pattern = v['pattern'];
          if (typeof pattern !== 'string') return [];
          try {
            new RegExp(pattern, 'i');
            return [];
          } catch (error) {
            return [{ key: 'pattern', message: `not a regular expression: ${(error as Error).message}` }];
          }
        },
      ),
    }),
  }),
  welcome: section(
    {
      enabled: b(true),
      minPinLength: n({
        default: 4,
        min: 4,
        max: 12,
        integer: true,
        hint: 'each digit more makes a stolen PIN hash ten times harder to guess',
      }),
      defaultPin: s({ optional: true, secret: true, pattern: /^[0-9]{4,12}$/ }),
      portalUrl: s({ optional: true }),
      // the manual's "Sender e-mail" and "Display name" (§4.1.1): an address of the internal mail
      // domain, so the mail server takes it; the lock notice and the PIN reminder come from it too
      from: s({
        default: '',
        empty: true,
        pattern: MAIL_ADDRESS,
        hint: "the sender of voicebox's own mails (welcome, lock notice, PIN reminder); empty: voicebox@<mail.domain>",
      }),
      fromName: s({ default: 'voicebox', empty: true, hint: 'the display name of that sender; empty: none' }),
      text: {
        kind: 'map',
        of: 'string',
        optional: true,
        hint: 'a free text per language (de, en) at the bottom of the welcome mail, e.g. how to log in to the portal',
      },
      attachments: {
        kind: 'list',
        of: 'string',
        default: [],
        hint: `files sent with every welcome mail, e.g. a quick guide as PDF: absolute paths, ${WELCOME_ATTACHMENTS_MB} MB together at most`,
      },
    },
    checkWelcome,
  ),
  greetings: section({
    languageFallback: e(
      ['recorded', 'standard'],
      'recorded',
      "no greeting recorded in the caller's language: recorded plays hers in her own, else the company's language; standard the standard greeting",
    ),
  }),
  // the message-waiting lamp and the SMS (§4.5, src/notify): a user's counts are read off her
  // mailbox (unseen messages since her last reset), never counted per event
  notify: section({
    thresholds: section({
      voice: threshold('voice messages'),
      fax: threshold('faxes'),
      sms: threshold('SMS'),
    }),
    lamp: section({
      enabled: b(
        true,
        'the message-waiting lamp of her desk phone; needs freeswitch.inbound and notify.lamp.domain',
      ),
      domain: s({
        default: '',
        empty: true,
        pattern: /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/,
        hint: 'the SIP domain of the lamp account sip:<user>@<domain>, e.g. pbx.example.com; empty: no lamps',
      }),
      user: e(
        ['extension', 'number', 'e164'],
        'extension',
        "the account's user: her extension (501), her number as stored, or E.164 (+49301234501); her lamp number (LDAP attributes.mwiAccount) else her office number",
      ),
    }),
    sms: section(
      {
        enabled: b(false, 'an SMS to her mobile number when a threshold is reached'),
        gateway: e(
          ['mail', 'http'],
          'mail',
          'mail sends each SMS to notify.sms.mailAddress, http to notify.sms.http.url',
        ),
        mailAddress: s({
          default: '$(MOBILE)@sms.provider.example',
          pattern: /^(?=[^@]*\$\(MOBILE(?:_E164)?\))[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/,
          hint: "the e-mail-to-SMS address: $(MOBILE) is her mobile number without '+', $(MOBILE_E164) with it",
        }),
        http: section({
          url: s({
            default: '',
            empty: true,
            pattern: /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i,
            hint: "the gateway's http:// or https:// URL; required with gateway: http",
          }),
          method: e(['POST', 'PUT'], 'POST'),
          contentType: s({
            default: 'application/json',
            pattern: /^[A-Za-z0-9.+-]+\/[A-Za-z0-9.+-]+(?:\s*;\s*\S.*)?$/,
          }),
          body: s({
            default: '{"to":"$(MOBILE_E164)","from":"$(SENDER)","text":"$(TEXT)"}',
            hint: '$(MOBILE), $(MOBILE_E164), $(SENDER) and $(TEXT) are filled in, escaped for the content type',
          }),
          user: s({ default: '', empty: true, hint: 'HTTP basic authentication; empty: none' }),
          password: s({ default: '', empty: true, secret: true }),
          headers: {
            kind: 'map',
            of: 'string',
            optional: true,
            hint: 'more request headers, e.g. X-Api-Key (shown by config check: put a secret in user/password where the gateway allows)',
          },
          timeoutMs: n({ default: 10_000, min: 100, max: 300_000, integer: true }),
        }),
        queue: s({
          default: 'notify-sms',
          path: true,
          hint: 'the folder of the SMS waiting to be sent: each survives a restart and is sent once',
        }),
        retry: section(
          {
            firstMs: n({
              default: 30_000,
              min: 1_000,
              max: 3_600_000,
              integer: true,
              hint: 'first wait after a failed send; doubles each time',
            }),
            maxMs: n({
              default: 3_600_000,
              min: 1_000,
              max: 86_400_000,
              integer: true,
              hint: 'longest wait between two tries',
            }),
            giveUpAfterMs: n({
              default: 86_400_000,
              min: 60_000,
              max: 30 * 86_400_000,
              integer: true,
              hint: 'an SMS not sent within this is dropped and logged',
            }),
          },
          (r) =>
            typeof r['firstMs'] === 'number' && typeof r['maxMs'] === 'number' && r['maxMs'] < r['firstMs']
              ? [{ key: 'maxMs', message: `must be at least firstMs (${r['firstMs']}), got ${r['maxMs']}` }]
              : [],
        ),
      },
      (sms) => {
        const http = sms['http'] as Readonly<Record<string, unknown>> | undefined;
        return sms['enabled'] === true && sms['gateway'] === 'http' && !http?.['url']
          ? [{ key: 'http.url', message: "is required with gateway: http: the gateway's https:// URL" }]
          : [];
      },
    ),
    watch: section(
      {
        push: section(
          {
            port: n({
              default: 0,
              min: 0,
              max: 65535,
              integer: true,
              hint: "where the mail server's push notification (Dovecot's push_notification Lua script) reaches voicebox; 0: off",
            }),
            listen: s({
              default: '127.0.0.1',
              pattern: /^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/,
              hint: 'an address of this host; another than loopback needs notify.watch.push.token',
            }),
            token: s({
              default: '',
              empty: true,
              secret: true,
              pattern: /^[A-Za-z0-9._~+/=-]{16,256}$/,
              hint: 'a shared secret of 16 to 256 letters, digits or ._~+/=- the push script sends (e.g. openssl rand -hex 24)',
            }),
          },
          (push) =>
            typeof push['port'] === 'number' &&
            push['port'] > 0 &&
            typeof push['listen'] === 'string' &&
            !LOOPBACK.test(push['listen']) &&
            !push['token']
              ? [
                  {
                    key: 'listen',
                    message: `'${push['listen']}' is reachable from other hosts, and anyone reaching it could make voicebox check mailboxes: set notify.watch.push.token (or listen on 127.0.0.1)`,
                  },
                ]
              : [],
        ),
        pollIntervalMs: n({
          default: 900_000,
          min: 0,
          max: 86_400_000,
          integer: true,
          hint: 'milliseconds between two checks of every mailbox (missed pushes, changes in a mail program); 0: off',
        }),
        concurrency: n({ default: 8, min: 1, max: 64, integer: true, hint: 'mailboxes checked at once' }),
      },
      (watch) =>
        typeof watch['pollIntervalMs'] === 'number' &&
        watch['pollIntervalMs'] > 0 &&
        watch['pollIntervalMs'] < 10_000
          ? [
              {
                key: 'pollIntervalMs',
                message: `must be 0 (off) or at least 10000, got ${watch['pollIntervalMs']}`,
              },
            ]
          : [],
    ),
    reset: section({
      mailbox: s({
        default: '',
        empty: true,
        hint: 'the IMAP user receiving the reset mails (a mail from her resets her counters and lamp); empty: off',
      }),
      trust: e(
        ['authenticated', 'from'],
        'authenticated',
        'authenticated believes a reset mail only from a sender the mail server authenticated; from believes the From address (forged easily)',
      ),
    }),
    log: s({
      default: 'notifier.log',
      path: true,
      empty: true,
      hint: 'every lamp and SMS sent, one line each; empty: none',
    }),
  }),
  // the switches a flow reads as `config.*`: src/graph/switches.ts
  menu: section(menuRules()),
  // where call back and a transfer may dial: a forged voice message or a typed number must not
  // reach a premium-rate or foreign line (toll fraud)
  dialPolicy: section({
    allow: { kind: 'list', of: 'string', default: ['internal', 'national'] },
    deny: { kind: 'list', of: 'string', default: ['premium', 'international'] },
    allowPrefixes: { kind: 'list', of: 'string', default: [] },
    denyPrefixes: { kind: 'list', of: 'string', default: [] },
  }),
  transfer: section({
    dialString: s({
      default: 'user/{number}',
      pattern: /\{number\}/,
      hint: 'must contain {number}, e.g. sofia/gateway/pbx/{number}',
    }),
  }),
  log: section({
    level: e(['debug', 'info', 'warn', 'error'], 'info'),
  }),
  // menus as versioned releases (`voicebox deploy`): serve runs the live one and switches without
  // dropping a call; SIGTERM drains (src/cli/README.md, "Deploying menus")
  deploy: section({
    dir: s({
      default: 'releases',
      path: true,
      hint: 'the menu releases voicebox deploy installs; serve runs the live one (none yet: the menus folder as it is)',
    }),
    keep: n({
      default: 10,
      min: 2,
      max: 1000,
      integer: true,
      hint: 'releases kept for a rollback (the live one and the one before it are never removed)',
    }),
    drainMs: n({
      default: 300_000,
      min: 0,
      max: 86_400_000,
      integer: true,
      hint: 'on SIGTERM: milliseconds calls in progress may go on (no new call is taken); then they are ended',
    }),
  }),
  // Prometheus's /metrics and a load balancer's /health: nothing listens unless the admin says where
  metrics: section(
    {
      listen: s({
        default: '',
        empty: true,
        pattern: hostPort,
        hint: 'HOST:PORT for /metrics and /health, e.g. 127.0.0.1:9464; empty: off',
      }),
      token: s({
        default: '',
        empty: true,
        secret: true,
        pattern: /^[A-Za-z0-9._~+/=-]{16,256}$/,
        hint: 'a bearer token /metrics requires (16 to 256 letters, digits or ._~+/=-); needed for an address other than loopback',
      }),
    },
    (m) => {
      const listen = typeof m['listen'] === 'string' ? m['listen'] : '';
      const host = listen.slice(0, listen.lastIndexOf(':'));
      return listen && !LOOPBACK.test(host) && !m['token']
        ? [
            {
              key: 'listen',
              message: `'${listen}' is reachable from other hosts: set metrics.token (or listen on 127.0.0.1)`,
            },
          ]
        : [];
    },
  ),
  // the admin's side: who is told of mail to others the mail server refused, and what admins changed
  admin: section({
    email: s({
      default: '',
      empty: true,
      hint: "the admin's address: told once of each mail to others (a forwarded fax, a notice) the mail server refused for good; empty: only logged",
    }),
    auditLog: s({
      default: 'audit.log',
      path: true,
      hint: 'one JSON line per change an admin command made (who, what, which user; never a PIN); rotate with logrotate',
    }),
  }),
  // the owners' web page (her voice box, greetings, messages) and the admin's page: off unless
  // the admin says where it listens; src/web/README.md
  web: section(
    {
      listen: s({
        default: '',
        empty: true,
        pattern: hostPort,
        hint: 'HOST:PORT the web page listens on, e.g. 127.0.0.1:8088 (behind a reverse proxy); empty: off',
      }),
      tlsCert: s({
        default: '',
        empty: true,
        path: true,
        hint: "a PEM certificate (chain) voicebox serves HTTPS with; empty: plain HTTP (for loopback, or behind the site's reverse proxy)",
      }),
      tlsKey: s({
        default: '',
        empty: true,
        path: true,
        hint: "the certificate's PEM private key (owner-only)",
      }),
      behindProxy: b(
        false,
        'true when a reverse proxy terminates TLS in front of voicebox: its X-Forwarded-For and X-Forwarded-Proto are believed, and cookies are sent only over HTTPS',
      ),
      sessionKeyFile: s({
        default: 'voicebox-web-session.key',
        path: true,
        hint: 'the key that seals the session cookies (made once, owner-only); give several nodes the same file',
      }),
      sessionMinutes: n({
        default: 30,
        min: 2,
        max: 720,
        integer: true,
        hint: 'minutes without a click after which she logs in again',
      }),
      login: e(
        ['pin', 'directory', 'both'],
        'pin',
        'how an owner logs in: with her phone PIN, with her directory password (an LDAP bind), or either',
      ),
      loginsPerMinute: n({
        default: 10,
        min: 1,
        max: 1000,
        integer: true,
        hint: "login attempts a minute from one address; wrong PINs also count towards the phone's lock (login.maxWrongPins)",
      }),
      maxUploadBytes: n({
        default: 20 * 1024 * 1024,
        min: 64 * 1024,
        max: 200 * 1024 * 1024,
        integer: true,
        hint: 'the largest greeting file an owner or the admin may upload',
      }),
      maxGreetingSeconds: n({
        default: 180,
        min: 5,
        max: 1800,
        integer: true,
        hint: 'the longest greeting or name an owner or the admin may upload or record',
      }),
      officeHours: b(false, 'owners may set their own office hours on the web page (C4, §4.7.6)'),
      admins: {
        kind: 'list',
        of: 'string',
        default: [],
        hint: 'mailbox numbers or logins who also see the admin page (company greeting, user lookup and unlock)',
      },
    },
    (w) => {
      const listen = typeof w['listen'] === 'string' ? w['listen'] : '';
      const host = listen.slice(0, listen.lastIndexOf(':'));
      const problems: Array<{ key: string; message: string }> = [];
      if (Boolean(w['tlsCert']) !== Boolean(w['tlsKey']))
        problems.push({
          key: w['tlsCert'] ? 'tlsKey' : 'tlsCert',
          message: 'set both tlsCert and tlsKey, or neither',
        });
      if (listen && !LOOPBACK.test(host) && !w['tlsCert'] && !w['behindProxy'])
        problems.push({
          key: 'listen',
          message: `'${listen}' is reachable from other hosts: PINs would cross the network in clear — set tlsCert/tlsKey, or behindProxy: true behind an HTTPS reverse proxy (or listen on 127.0.0.1)`,
        });
      return problems;
    },
  ),
  // `voicebox doctor`: what it looks up to prove the directory and the mailboxes work end to end
  doctor: section({
    user: s({
      default: '',
      empty: true,
      hint: 'a mailbox number or login the doctor finds in the directory and opens the mailbox of (e.g. a test user); empty: the searches and logins are skipped',
    }),
  }),
} as const satisfies Fields;

// The config's TypeScript type, read off the rules above: a key is typed by its rule's kind, and
// may be absent exactly when the checker may leave it out (an optional rule without a default,
// a map, an optional section).
type Present<R> = R extends { default: unknown }
  ? true
  : R extends { optional: true }
    ? false
    : R extends { kind: 'map' }
      ? false
      : true;

export type ValueOf<R> = R extends { kind: 'string' }
  ? string
  : R extends { kind: 'number' }
    ? number
    : R extends { kind: 'boolean' }
      ? boolean
      : R extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : R extends { kind: 'list' }
          ? string[]
          : R extends { kind: 'map' }
            ? Record<string, string>
            : R extends { kind: 'section'; fields: infer F }
              ? SectionOf<F>
              : R extends { kind: 'sections'; fields: infer F }
                ? Array<SectionOf<F>>
                : never;

type Flat<T> = { [K in keyof T]: T[K] } & {};

/** the checked values of a section of rules */
export type SectionOf<F> = Flat<
  { -readonly [K in keyof F as Present<F[K]> extends true ? K : never]: ValueOf<F[K]> } & {
    -readonly [K in keyof F as Present<F[K]> extends true ? never : K]?: ValueOf<F[K]>;
  }
>;

/** A config file once checked: defaults filled in, relative paths made absolute. */
export type CheckedConfig = SectionOf<typeof schema>;
