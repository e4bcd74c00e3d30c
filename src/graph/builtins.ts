// The one table of what the language knows about the world: the types of the call
// context, the records actions return, and every builtin action's signature. The
// checker reads it; the runtime registers one implementation per action named here.
import { switchFields } from './switches.js';
import type { TypeName } from './types.js';

export interface EnumType {
  /** where the members come from: fixed here, or the declarations of the menus */
  members: readonly string[] | 'declared profiles' | 'declared languages';
  description: string;
}

export const enumTypes: Record<string, EnumType> = {
  profile: { members: 'declared profiles', description: 'a profile from the `profiles` declaration' },
  language: { members: 'declared languages', description: 'a language from the `languages` declaration' },
  caller_class: {
    members: ['internal', 'external'],
    description: 'whether the caller is inside the company',
  },
  greeting_type: {
    members: ['individual', 'personalized'],
    description: 'individual: the user recorded all of it; personalized: system text and her recorded name',
  },
  global_greeting: {
    members: ['never', 'when_missing', 'always'],
    description: 'when the company greeting replaces the user greeting',
  },
  transfer_announcement: {
    members: ['user', 'user_and_system'],
    description: 'who announces "press 2 to be connected": the user greeting alone, or the system after it',
  },
  language_choice: {
    members: ['default', 'by_caller', 'ask'],
    description: 'how the caller language is chosen',
  },
  number_announcement: {
    members: ['extension', 'canonical'],
    description: 'how the default greeting says the mailbox number',
  },
  message_kind: {
    members: ['voice', 'email', 'fax', 'sms'],
    description: 'what a message in the mailbox is',
  },
  message_order: { members: ['newest_first', 'oldest_first'], description: 'order of remote inquiry' },
  message_format: {
    members: ['date_sender_content', 'content_date_sender', 'date_content_sender'],
    description: 'what is said after "Message 1", in which order (admin setting)',
  },
  profile_reason: {
    members: ['chosen', 'vacation', 'break', 'off_hours', 'closed_day', 'holiday'],
    description:
      'why a caller from outside gets the profile in force: her choice, vacation, a break, outside office hours, a day without work hours, a holiday',
  },
  access: {
    members: ['settings', 'messages'],
    description: 'what a logged-in owner may do by phone: profile settings only, or settings and messages',
  },
};

export interface Field {
  type: TypeName;
  description: string;
  /** fields the flow may assign to, e.g. `call.language = en` */
  writable?: boolean;
}

export const recordTypes: Record<string, Record<string, Field>> = {
  call: {
    caller: { type: 'phone', description: 'the calling number, canonical' },
    caller_name: { type: 'string', description: 'the caller name the network sent, may be empty' },
    called: { type: 'phone', description: 'the number the caller dialled' },
    caller_class: { type: 'caller_class', description: 'internal or external caller' },
    language: { type: 'language', description: 'the language prompts are played in', writable: true },
    time: { type: 'datetime', description: 'when the call started' },
    id: { type: 'string', description: 'the call uuid' },
  },
  // the admin's menu switches: one table, src/graph/switches.ts
  config: switchFields(),
  user: {
    name: { type: 'string', description: 'display name' },
    mailbox: { type: 'phone', description: 'the mailbox number, canonical' },
    extension: { type: 'digits', description: 'the mailbox number inside the company' },
    email: { type: 'string', description: 'where voice messages go' },
    enabled: { type: 'bool', description: 'voice mail enabled (C2)' },
    language: { type: 'language', description: 'the owner language' },
    has_language_choice: {
      type: 'bool',
      description:
        "she chose how her callers' language is found (C6); else the site's config.language_choice",
    },
    language_choice: {
      type: 'language_choice',
      description: 'her own choice when has_language_choice: default (her language), by_caller, ask',
    },
    menu_language: {
      type: 'language',
      description: 'the language of her own menus after login (§5.3.2); default: her language',
    },
    has_greeting_type: {
      type: 'bool',
      description: "she chose her greeting type; else the site's config.greeting_type",
    },
    greeting_type: {
      type: 'greeting_type',
      description: 'her own choice when has_greeting_type: individual or personalized',
    },
    has_transfer_announcement: {
      type: 'bool',
      description: "she chose who offers the transfer; else the site's config.transfer_announcement",
    },
    transfer_announcement: {
      type: 'transfer_announcement',
      description: 'her own choice when has_transfer_announcement: who announces the transfer option',
    },
    profile: { type: 'profile', description: 'the profile the user chose' },
  },
  profile_settings: {
    transfer_to: { type: 'phone', description: 'call-transfer target of the profile, may be empty' },
    can_transfer: { type: 'bool', description: 'a transfer target is set and enabled' },
    messages_allowed: { type: 'bool', description: 'callers may leave a message' },
  },
  login: {
    pin_required: { type: 'bool', description: 'false when calling from a trusted number' },
    access: { type: 'access', description: 'settings only, or settings and messages' },
  },
  summary: {
    new_voice: { type: 'number', description: 'new voice messages' },
    old_voice: { type: 'number', description: 'heard voice messages' },
    new_email: { type: 'number', description: 'new e-mails' },
    old_email: { type: 'number', description: 'read e-mails' },
    new_fax: { type: 'number', description: 'new faxes' },
    old_fax: { type: 'number', description: 'read faxes' },
    new_sms: { type: 'number', description: 'new SMS' },
    old_sms: { type: 'number', description: 'read SMS' },
    voice: { type: 'number', description: 'voice messages, new and heard' },
    email: { type: 'number', description: 'e-mails, new and read' },
    fax: { type: 'number', description: 'faxes, new and read' },
    sms: { type: 'number', description: 'SMS, new and read' },
    kinds: { type: 'number', description: 'how many of the four kinds there are messages of' },
    first_kind: {
      type: 'message_kind',
      description:
        'the first kind with messages in the order voice, email, fax, sms: with `kinds == 1` the only one',
    },
    total: { type: 'number', description: 'all messages' },
  },
  message: {
    kind: { type: 'message_kind', description: 'voice, email, fax or sms' },
    date: { type: 'datetime', description: 'when it arrived' },
    sender: { type: 'string', description: 'sender name or address' },
    sender_name: {
      type: 'string',
      description: "the caller's signed name or the From display name; empty when none (then say the number)",
    },
    sender_number: { type: 'phone', description: 'the sender phone number, empty when not a phone' },
    has_sender_number: {
      type: 'bool',
      description: 'the sender is a phone number (call back through `dial check`)',
    },
    can_call_back: { type: 'bool', description: "the dial policy allows calling the sender's number" },
    subject: { type: 'string', description: 'subject line' },
    length: { type: 'duration', description: 'length of a voice message' },
    is_new: { type: 'bool', description: 'not heard or read yet' },
    first_old: {
      type: 'bool',
      description:
        'the first heard or read message of a `list messages` list, after its new ones (say "Gehörte Sprachnachrichten:" before it)',
    },
    language: {
      type: 'string',
      description:
        'language of the text (de, en): its Content-Language, else told from its words once `message text` fetched them; empty when unknown',
    },
  },
  /** list<T> has these */
  list: {
    count: { type: 'number', description: 'number of items' },
    empty: { type: 'bool', description: 'no items' },
  },
};

/** The variables every flow can read without assigning them. */
export const globals: Record<string, TypeName> = {
  call: 'call',
  config: 'config',
};

export interface Param {
  readonly name: string;
  readonly type: TypeName;
}

export interface ActionSignature {
  readonly params: readonly Param[];
  /** what the call returns, or `void` */
  readonly result: TypeName;
  /**
   * Business outcomes besides success that a flow must handle with `on <outcome>`.
   * Technical failures (LDAP down, ...) are not outcomes: the runtime apologises and
   * hangs up, logging the DSL location.
   */
  readonly outcomes: readonly string[];
  readonly description: string;
  /** it destroys what the owner recorded or received: a flow should confirm before it calls it */
  readonly destructive?: boolean;
}

export const actions = {
  // --- the caller side (C)
  'lookup user': {
    params: [{ name: 'number', type: 'phone' }],
    result: 'user',
    outcomes: ['unknown'],
    description: 'find the mailbox owner by the called number, in every stored format',
  },
  'active profile': {
    params: [{ name: 'user', type: 'user' }],
    result: 'profile',
    outcomes: [],
    description: 'the profile in force now: internal caller, vacation, break, off-hours or the chosen one',
  },
  'profile in force': {
    params: [{ name: 'user', type: 'user' }],
    result: 'profile',
    outcomes: [],
    description:
      'the profile a caller from outside gets now (vacation, break, off-hours or her choice) — what the owner is told; the internal profile is for internal callers only',
  },
  'profile reason': {
    params: [{ name: 'user', type: 'user' }],
    result: 'profile_reason',
    outcomes: [],
    description: 'why `profile in force` is the one in force now (the rule of src/schedule behind it)',
  },
  'profile settings': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
    ],
    result: 'profile_settings',
    outcomes: [],
    description: 'transfer target and message switch of one profile',
  },
  'caller language': {
    params: [],
    result: 'language',
    outcomes: [],
    description:
      "the language for this caller by her country code (the `languages` rule); the company's default for a caller without a number",
  },
  greeting: {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
    ],
    result: 'audio',
    outcomes: ['none'],
    description:
      'the greeting the user recorded for a profile, in the call language; else (greetings.languageFallback: recorded) in her language, then the company default',
  },
  'recorded name': {
    params: [{ name: 'user', type: 'user' }],
    result: 'audio',
    outcomes: ['none'],
    description: 'the name the user recorded for personalized greetings',
  },
  'company greeting': {
    params: [],
    result: 'audio',
    outcomes: ['none'],
    description: 'the global company greeting',
  },
  'send voice message': {
    params: [
      { name: 'recording', type: 'audio' },
      { name: 'to', type: 'user' },
    ],
    result: 'void',
    outcomes: [],
    description: 'spool the recording (fsynced) and mail it to the owner; never lost',
  },
  'welcome new user': {
    params: [{ name: 'user', type: 'user' }],
    result: 'void',
    outcomes: [],
    description: 'on the first call to a mailbox, send the welcome mail with a fresh PIN',
  },
  // --- remote inquiry (R)
  'check login': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'from', type: 'phone' },
    ],
    result: 'login',
    outcomes: ['disabled', 'refused', 'locked'],
    description:
      'may this caller log in, and does she need a PIN (trusted numbers, restrictions, access mode); disabled: no phone login for her at all (access none)',
  },
  'check pin': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'pin', type: 'digits' },
    ],
    result: 'void',
    outcomes: ['wrong', 'locked', 'expired', 'change_required', 'refused'],
    description:
      'compare the PIN with the stored hash; count wrong PINs atomically and lock after N; ' +
      'expired: the PIN must be changed now; change_required: the admin (or the site, for an ' +
      'inherited PIN) asks for a new PIN first; refused: it expired and the site refuses login then',
  },
  'pin expires soon': {
    params: [{ name: 'user', type: 'user' }],
    result: 'bool',
    outcomes: [],
    description: 'the PIN expires within the reminder period',
  },
  'message summary': {
    params: [{ name: 'user', type: 'user' }],
    result: 'summary',
    outcomes: ['unavailable'],
    description: 'counts of new and old messages, straight from the mailbox',
  },
  'list messages': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'order', type: 'message_order' },
      { name: 'kind', type: 'message_kind' },
      { name: 'unread', type: 'bool' },
    ],
    result: 'list<message>',
    outcomes: ['unavailable'],
    description:
      'the messages of one kind to play: the new ones (unread: yes), or all of them, the new ones first (unread: no); each part newest or oldest first',
  },
  'message audio': {
    params: [{ name: 'message', type: 'message' }],
    result: 'audio',
    outcomes: ['unavailable', 'too_large', 'unreadable'],
    description:
      'the WAV of a voice message, fetched from the mailbox when it is about to be played; too_large over the size cap, unreadable when it is not the audio its signature names',
  },
  'message text': {
    params: [{ name: 'message', type: 'message' }],
    result: 'list<string>',
    outcomes: ['unreadable'],
    description:
      'the body to read aloud, without quotes and signatures, in pieces the caller can skip; unreadable when this e-mail cannot be read',
  },
  'mark heard': {
    params: [{ name: 'message', type: 'message' }],
    result: 'void',
    outcomes: [],
    description: 'flag the message as seen',
  },
  'delete message': {
    params: [{ name: 'message', type: 'message' }],
    result: 'void',
    outcomes: [],
    description: 'move to the trash folder, or expunge, as configured',
  },
  'messages seen': {
    params: [{ name: 'user', type: 'user' }],
    result: 'void',
    outcomes: [],
    description: 'the owner entered the message menu: clear her message-waiting lamp',
  },
  'forward voice message': {
    params: [
      { name: 'message', type: 'message' },
      { name: 'to', type: 'user' },
      { name: 'comment', type: 'audio' },
    ],
    result: 'void',
    outcomes: ['unreadable'],
    description:
      'send the message with a spoken comment to another mailbox; unreadable when its audio is over the size cap or not the audio its signature names',
  },
  'forward as fax': {
    params: [
      { name: 'message', type: 'message' },
      { name: 'to', type: 'phone' },
    ],
    result: 'void',
    outcomes: ['refused'],
    description:
      "send a fax or e-mail to a fax number through the fax address template; refused when the admin's dial policy forbids the number",
  },
  'dial check': {
    params: [{ name: 'number', type: 'phone' }],
    result: 'phone',
    outcomes: ['refused'],
    description: "the number as it is dialled, or refused when the admin's dial policy forbids it (logged)",
  },
  'reply to': {
    params: [
      { name: 'message', type: 'message' },
      { name: 'recording', type: 'audio' },
    ],
    result: 'void',
    outcomes: [],
    description: 'send a recorded reply to the sender',
  },
  // --- settings by phone (S)
  'set profile': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
    ],
    result: 'void',
    outcomes: [],
    description: 'make a profile the active one',
  },
  'save greeting': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
      { name: 'recording', type: 'audio' },
      { name: 'language', type: 'language' },
    ],
    result: 'void',
    outcomes: [],
    description: 'store the greeting of a profile in that language (replacing the one recorded in it)',
  },
  'greeting in': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
      { name: 'language', type: 'language' },
    ],
    result: 'audio',
    outcomes: ['none'],
    description:
      'the greeting she recorded for a profile in exactly that language, never one in another (what she hears back is what callers of that language get); none: not recorded in it',
  },
  'delete greeting': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
    ],
    result: 'void',
    outcomes: [],
    description: 'delete the greeting of a profile, in every language; the default greeting applies again',
    destructive: true,
  },
  'greeting languages': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
    ],
    result: 'list<language>',
    outcomes: [],
    description:
      'the languages in which she recorded the greeting of a profile (what `delete greeting` deletes)',
  },
  'offered languages': {
    params: [],
    result: 'list<language>',
    outcomes: [],
    description: 'the languages the company offers to choose from (`offer` in `languages`), in its order',
  },
  'language offered': {
    params: [{ name: 'language', type: 'language' }],
    result: 'bool',
    outcomes: [],
    description: 'the company offers this language to choose (`offer` in `languages`)',
  },
  'internal profile': {
    params: [],
    result: 'profile',
    outcomes: ['none'],
    description:
      'the profile internal callers get (`internal callers get …` in `profiles`); none: the company has none, they get what callers from outside get',
  },
  'save name': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'recording', type: 'audio' },
    ],
    result: 'void',
    outcomes: [],
    description: 'store the recorded name for personalized greetings',
  },
  'delete all greetings': {
    params: [{ name: 'user', type: 'user' }],
    result: 'void',
    outcomes: [],
    description: 'delete the name and the greetings of every profile',
    destructive: true,
  },
  'set greeting type': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'type', type: 'greeting_type' },
    ],
    result: 'void',
    outcomes: [],
    description: 'individual or personalized',
  },
  'set transfer': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
      { name: 'number', type: 'phone' },
    ],
    result: 'void',
    outcomes: ['invalid', 'refused'],
    description:
      "set the call-transfer target of a profile; invalid: no number or none that can be dialled; refused when the admin's dial policy forbids the number",
  },
  'clear transfer': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
    ],
    result: 'void',
    outcomes: [],
    description: 'remove the call-transfer target of a profile: its callers are offered no transfer',
    destructive: true,
  },
  'set messages allowed': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'profile', type: 'profile' },
      { name: 'allowed', type: 'bool' },
    ],
    result: 'void',
    outcomes: [],
    description: 'may callers leave a message in this profile',
  },
  'change pin': {
    params: [
      { name: 'user', type: 'user' },
      { name: 'pin', type: 'digits' },
    ],
    result: 'void',
    outcomes: ['too_short', 'trivial'],
    description: 'store a new PIN hash; refuses short and trivial PINs',
  },
} as const satisfies Record<string, ActionSignature>;

// The types an implementation is checked against, derived from the table above (so a
// misspelt outcome or a wrong argument does not compile). They name the language's types;
// src/actions maps them to the runtime's values (graph stays below the runtime).

export type BuiltinActions = typeof actions;
/** every action the language knows */
export type ActionName = keyof BuiltinActions;
type TypesOf<P extends readonly Param[]> = {
  -readonly [I in keyof P]: P[I] extends Param ? P[I]['type'] : never;
};
/** the language types of an action's parameters, in order: `check pin` → `['user', 'digits']` */
export type ParamTypesOf<K extends ActionName> = TypesOf<BuiltinActions[K]['params']>;
/** the language type of what an action returns (`void`: nothing) */
export type ResultTypeOf<K extends ActionName> = BuiltinActions[K]['result'];
/** the outcomes an action may end with: `check pin` → `'wrong' | 'locked' | 'expired' | 'refused'` */
export type OutcomeOf<K extends ActionName> = BuiltinActions[K]['outcomes'][number];

/** an action's signature by a name read from a flow, or undefined when there is none */
export function actionSignature(name: string): ActionSignature | undefined {
  return Object.hasOwn(actions, name)
    ? (actions as Readonly<Record<string, ActionSignature>>)[name]
    : undefined;
}

/** Parameters of `say` placeholders are filled by type; these say-as kinds exist. */
export const sayAs: Record<string, TypeName[]> = {
  number: ['number'],
  digits: ['digits', 'phone', 'string'],
  phone: ['phone', 'digits'],
  date: ['datetime'],
  time: ['datetime'],
  duration: ['duration'],
  text: ['string'],
};

/**
 * How a `summary` is said where it fills a placeholder (`say you_have(items: summary)`): its
 * counts in this order, new ones first, each by its counted prompt (`count_new_voice: { one:
 * "eine neue Sprachnachricht", other: "{count} neue Sprachnachrichten" }`), the empty ones left
 * out, joined as a list; with nothing new, `nothingNew` ("keine neuen Nachrichten") comes first.
 * The checker makes every one of these prompts exist, with its forms, in every language.
 */
export const summaryWording: {
  readonly counts: ReadonlyArray<{ field: string; prompt: string; isNew: boolean }>;
  readonly nothingNew: string;
} = {
  counts: [
    { field: 'new_voice', prompt: 'count_new_voice', isNew: true },
    { field: 'new_email', prompt: 'count_new_email', isNew: true },
    { field: 'new_fax', prompt: 'count_new_fax', isNew: true },
    { field: 'new_sms', prompt: 'count_new_sms', isNew: true },
    { field: 'old_voice', prompt: 'count_old_voice', isNew: false },
    { field: 'old_email', prompt: 'count_old_email', isNew: false },
    { field: 'old_fax', prompt: 'count_old_fax', isNew: false },
    { field: 'old_sms', prompt: 'count_old_sms', isNew: false },
  ],
  nothingNew: 'no_new_messages',
};
