// The server's settings: one YAML file, every key with a default, checked at start.
// A bad value is reported with its key and the line of the file; secrets are never
// printed (see `redacted`).

/** How one setting is checked. */
export type Rule =
  | {
      kind: 'string';
      default?: string;
      secret?: boolean;
      pattern?: RegExp;
      hint?: string;
      optional?: boolean;
    }
  | { kind: 'number'; default?: number; min?: number; max?: number; integer?: boolean; optional?: boolean }
  | { kind: 'boolean'; default?: boolean; optional?: boolean }
  | { kind: 'enum'; values: readonly string[]; default?: string; optional?: boolean }
  | { kind: 'list'; of: 'string'; default?: string[]; optional?: boolean }
  | { kind: 'map'; of: 'string'; optional?: boolean }
  | { kind: 'section'; fields: Record<string, Rule>; optional?: boolean };

const s = (extra: Partial<Extract<Rule, { kind: 'string' }>> = {}): Rule => ({ kind: 'string', ...extra });
const n = (extra: Partial<Extract<Rule, { kind: 'number' }>> = {}): Rule => ({ kind: 'number', ...extra });
const b = (value: boolean): Rule => ({ kind: 'boolean', default: value });
const e = (values: readonly string[], value?: string): Rule => ({
  kind: 'enum',
  values,
  ...(value ? { default: value } : {}),
});
const section = (fields: Record<string, Rule>, optional = false): Rule => ({
  kind: 'section',
  fields,
  optional,
});

const hostPort = /^[^\s:]+:\d{1,5}$/;
const digits = /^[0-9]*$/;

export const schema: Record<string, Rule> = {
  freeswitch: section({
    listen: s({ default: '127.0.0.1:8084', pattern: hostPort, hint: 'HOST:PORT, e.g. 127.0.0.1:8084' }),
    inbound: section(
      {
        host: s({ default: '127.0.0.1' }),
        port: n({ default: 8021, min: 1, max: 65535, integer: true }),
        password: s({ default: 'ClueCon', secret: true }),
      },
      true,
    ),
  }),
  media: section({
    local: s({ default: 'media', hint: 'the media folder as voicebox sees it' }),
    freeswitch: s({ optional: true, hint: 'the same folder as FreeSWITCH sees it (default: media.local)' }),
  }),
  menus: s({ optional: true, hint: 'a folder of .ivr files (default: the shipped menus)' }),
  location: section({
    countryCode: s({ default: '49', pattern: /^[1-9][0-9]{0,2}$/, hint: 'digits without +, e.g. 49' }),
    areaCode: s({ default: '30', pattern: digits }),
    subscriberBase: s({
      default: '1234',
      pattern: digits,
      hint: "the company's number without the extension",
    }),
    extensionLength: n({ default: 3, min: 1, max: 8, integer: true }),
    outsideLinePrefix: s({ default: '0', pattern: digits }),
  }),
  directory: section({
    type: e(['yaml', 'ldap'], 'yaml'),
    file: s({
      default: 'users.yaml',
      hint: 'the users file; a missing default one starts as a copy of examples/users.yaml',
    }),
    localSettings: s({
      default: 'local-settings.json',
      hint: 'where settings go when the directory is read-only for voicebox',
    }),
    ldap: section(
      {
        servers: { kind: 'list', of: 'string' },
        bindDn: s({ optional: true }),
        bindPassword: s({ optional: true, secret: true }),
        baseDn: s({ optional: true }),
        ous: { kind: 'list', of: 'string', default: [] },
        filter: s({ optional: true, hint: 'a filter template with ${NUMBER}, see src/directory/README.md' }),
        attributes: { kind: 'map', of: 'string', optional: true },
        timeoutMs: n({ default: 3000, min: 100, integer: true }),
        cacheTtlMs: n({ default: 10_000, min: 0, integer: true }),
        rejectUnauthorized: b(true),
      },
      true,
    ),
  }),
  mail: section({
    domain: s({ default: 'example.com' }),
    fromTemplate: s({ optional: true, hint: 'e.g. $(phonenumber)@$(addrtype).example.com' }),
    spool: s({ default: 'spool' }),
    maildir: s({ default: 'maildir', hint: 'where messages go when no SMTP server is configured' }),
    smtp: section(
      {
        host: s(),
        port: n({ default: 25, min: 1, max: 65535, integer: true }),
        secure: b(false),
        starttls: b(false),
        user: s({ optional: true }),
        password: s({ optional: true, secret: true }),
        timeoutMs: n({ default: 10_000, min: 100, integer: true }),
      },
      true,
    ),
  }),
  login: section({
    allowed: b(true),
    restriction: e(['everywhere', 'nowhere', 'listed'], 'everywhere'),
    trustOffice: b(true),
    trustMobile: b(true),
    access: e(['none', 'settings', 'messages'], 'messages'),
    maxWrongPins: n({ default: 3, min: 1, max: 20, integer: true }),
    notifyLock: b(true),
    wrongPinLog: s({ default: 'wrong-pin.log' }),
    pinExpiryDays: n({ default: 0, min: 0, max: 3650, integer: true }),
    remindDays: n({ default: 7, min: 0, max: 365, integer: true }),
    afterExpiry: e(['change', 'refuse'], 'change'),
  }),
  mailbox: section({
    type: e(['maildir', 'imap'], 'maildir'),
    folder: s({ default: 'INBOX' }),
    trash: s({ default: 'Deleted Voice Messages' }),
    deleteMode: e(['trash', 'expunge'], 'trash'),
    imap: section(
      {
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
          hint: '32 bytes as 64 hex digits or base64: encrypts stored mailbox passwords',
        }),
        timeoutMs: n({ default: 5000, min: 100, integer: true }),
      },
      true,
    ),
  }),
  welcome: section({
    enabled: b(true),
    minPinLength: n({ default: 4, min: 4, max: 12, integer: true }),
    defaultPin: s({ optional: true, secret: true, pattern: /^[0-9]{4,12}$/ }),
    portalUrl: s({ optional: true }),
  }),
  menu: section({
    language_choice: e(['default', 'by_caller', 'ask'], 'by_caller'),
    global_greeting: e(['never', 'when_missing', 'always'], 'when_missing'),
    announce_number_as: e(['extension', 'canonical'], 'extension'),
    message_order: e(['newest_first', 'oldest_first'], 'newest_first'),
    message_format: e(
      ['date_sender_content', 'content_date_sender', 'date_content_sender'],
      'date_sender_content',
    ),
    options_after_message: b(true),
    allow_reply: b(true),
    allow_forward_voice: b(true),
    allow_forward_fax: b(true),
    allow_call_back: b(true),
    allow_greeting_type: b(true),
    allow_delete_greetings: b(true),
    allow_delete_all_greetings: b(true),
    allow_transfer_setup: b(true),
    max_message: n({ default: 180, min: 5, max: 3600, integer: true }),
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
};
