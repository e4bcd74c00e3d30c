// The switches an admin sets in the config file's `menu` section and a flow reads as `config.*`,
// with the reference defaults (the ixi-UMS Voice-Mail Server manual §4.7, §4.9). One entry each:
// the checker's `config` record (builtins.ts), the config file's rules and the runtime's
// defaults are all made from this table, so a switch cannot be known to one and not another.
import type { enumTypes } from './builtins.js';
import type { TypeName } from './types.js';

export interface MenuSwitch {
  /** `bool`, `duration` or the name of an enum type of builtins.ts */
  readonly type: TypeName;
  readonly description: string;
  /** in the menus' unit: a duration in milliseconds */
  readonly default: string | number | boolean;
  /** the config file writes this duration in another unit than the menus read, within limits */
  readonly file?: {
    readonly unit: FileUnit;
    readonly min: number;
    readonly max: number;
    readonly hint: string;
  };
}

/**
 * The one conversion of a duration between the file and the menus. An admin writes
 * `max_message: 180` (and the sample file shows it so); the menus compare milliseconds.
 */
export const millisecondsPer = { seconds: 1000 } as const;
export type FileUnit = keyof typeof millisecondsPer;

export const menuSwitches = {
  language_choice: {
    type: 'language_choice',
    description: 'default / by caller country code / ask',
    default: 'by_caller',
  },
  global_greeting: { type: 'global_greeting', description: 'company greeting use', default: 'when_missing' },
  // the site's "User announcement" (§4.7.1), for each user who chose none of her own
  greeting_type: {
    type: 'greeting_type',
    description:
      "greeting type of a user who chose none: individual, or personalized (her recorded name in the system's words)",
    default: 'individual',
  },
  transfer_announcement: {
    type: 'transfer_announcement',
    description:
      'who offers the transfer after a recorded greeting, for a user who chose none: user (her recording alone) or user_and_system',
    default: 'user',
  },
  announce_number_as: {
    type: 'number_announcement',
    description: 'extension or canonical',
    default: 'extension',
  },
  message_order: {
    type: 'message_order',
    description: 'default order of remote inquiry',
    default: 'newest_first',
  },
  message_format: {
    type: 'message_format',
    description: 'order of date, sender, content',
    default: 'date_sender_content',
  },
  options_after_message: {
    type: 'bool',
    description: 'play the options menu after each message',
    default: true,
  },
  allow_reply: { type: 'bool', description: 'menu switch: reply to a message', default: true },
  allow_forward_voice: {
    type: 'bool',
    description: 'menu switch: forward voice messages as voice mail',
    default: true,
  },
  allow_forward_fax: {
    type: 'bool',
    description: 'menu switch: forward faxes and e-mails as fax',
    default: true,
  },
  allow_call_back: { type: 'bool', description: 'menu switch: call the sender back', default: true },
  allow_greeting_type: {
    type: 'bool',
    description: 'menu switch: the user may set her greeting type',
    default: true,
  },
  allow_delete_greetings: {
    type: 'bool',
    description: 'menu switch: delete greetings of one profile',
    default: true,
  },
  allow_delete_all_greetings: {
    type: 'bool',
    description: 'menu switch: delete all greetings',
    default: true,
  },
  allow_transfer_setup: { type: 'bool', description: 'menu switch: set up call transfer', default: true },
  max_message: {
    type: 'duration',
    description: 'longest voice message',
    default: 180_000,
    file: { unit: 'seconds', min: 5, max: 3600, hint: 'seconds a caller may speak' },
  },
} as const satisfies Record<string, MenuSwitch>;

export type SwitchName = keyof typeof menuSwitches;
export type SwitchValue = string | number | boolean;

/** the members of an enum type where builtins.ts gives them as literal types; else any text */
type MembersOf<T> = T extends keyof typeof enumTypes
  ? (typeof enumTypes)[T]['members'] extends readonly (infer M extends string)[]
    ? M
    : string
  : string;

type ValueOf<S extends MenuSwitch> = S['type'] extends 'bool'
  ? boolean
  : S['type'] extends 'duration'
    ? number
    : MembersOf<S['type']>;

/** What the menus read as `config.*`: durations in milliseconds. */
export type MenuSwitches = { -readonly [K in SwitchName]: ValueOf<(typeof menuSwitches)[K]> };

const switchNames = Object.keys(menuSwitches) as SwitchName[];

/** One value per switch of the table, keyed by its name. */
export function mapSwitches<V>(value: (s: MenuSwitch, name: SwitchName) => V): Record<SwitchName, V> {
  const out: Partial<Record<SwitchName, V>> = {};
  for (const name of switchNames) out[name] = value(menuSwitches[name], name);
  // every name of the table was just given a value
  return out as Record<SwitchName, V>;
}

/** The checker's `config` record: each switch's type and description. */
export function switchFields(): Record<SwitchName, { type: TypeName; description: string }> {
  return mapSwitches((s) => ({ type: s.type, description: s.description }));
}

/** A switch's default as the config file writes it (`max_message: 180`). */
export function fileDefault(s: MenuSwitch): SwitchValue {
  return s.file && typeof s.default === 'number' ? s.default / millisecondsPer[s.file.unit] : s.default;
}

/**
 * The checked `menu` section of a config file as the menus read it. Each value is of its
 * switch's kind (the file's rules are made from this table), so the result is typed per key.
 */
export function switchesFromFile(file: Readonly<Record<SwitchName, SwitchValue>>): MenuSwitches {
  // the rules made from this table checked each value's kind (bool, number, enum member)
  return mapSwitches((s, name) =>
    s.file ? Number(file[name]) * millisecondsPer[s.file.unit] : file[name],
  ) as MenuSwitches;
}

/** The switches at their defaults, as the menus read them. */
export function switchDefaults(): MenuSwitches {
  // the defaults are written in the table above, each of its switch's kind
  return mapSwitches((s) => s.default) as MenuSwitches;
}
