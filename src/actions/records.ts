// The records the menus hold (`user`, `message`) and what stands behind each: the directory
// entry, the mailbox message. One registry owns one of each (createActions), so a `user` found
// by `lookup user` is known to the login, settings and inquiry actions alike.
import type { DirectoryUser } from '../directory/index.js';
import type { MessageInfo } from '../mailbox/index.js';
import { formats, toE164, type Location } from '../phone/index.js';
import type { OfficeHours, ProfileRules } from '../graph/index.js';
import type { RuntimeLogger, Value } from '../runtime/index.js';
import { userScheduleRules, type ActiveProfileInput } from '../schedule/index.js';
import type { ValueRecord } from './define.js';

const isRecord = (v: Value): v is ValueRecord =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** her own schedule, as `activeProfile` takes it */
export type OwnSchedule = Pick<
  ActiveProfileInput['user'],
  'officeHours' | 'offHoursProfile' | 'breakProfile'
>;

export class UserRecords {
  private readonly entries = new WeakMap<object, DirectoryUser>();
  /** the records whose unusable settings are in the log already: once per call, not per question */
  private readonly reported = new WeakSet<object>();

  private readonly spoken: ReadonlySet<string>;

  /**
   * `languages`: those the menus speak (every one they declare has every prompt); her own
   * `language` or `menuLanguage` outside them is logged and not used. `log`: the server's, for a
   * record made without a call's.
   */
  constructor(
    private readonly location: Location,
    private readonly defaults: { readonly language: string; readonly profile: string },
    languages: readonly string[],
    private readonly log: RuntimeLogger,
  ) {
    this.spoken = new Set(languages);
  }

  /**
   * The `user` record of a directory entry. Her language without prompts would end the call at
   * the first prompt: it is logged with the user, key and value (once: a call makes her record
   * once), and the site's default applies to her.
   */
  record(user: DirectoryUser, log: RuntimeLogger = this.log): ValueRecord {
    const s = user.settings;
    const spoken = (key: 'language' | 'menuLanguage'): string | undefined => {
      const language = s[key];
      if (language === undefined || this.spoken.has(language)) return language;
      log.warn(
        { user: user.id, key, value: language },
        `her own ${key} has no prompts: the site's language applies`,
      );
      return undefined;
    };
    const language = spoken('language');
    const menuLanguage = spoken('menuLanguage');
    const e164 = toE164(user.mailbox, this.location, { outsideLine: 'without' }) ?? user.mailbox;
    const f = formats(e164, this.location);
    const rec: ValueRecord = {
      name: user.name,
      mailbox: f?.canonical ?? user.mailbox,
      extension: f?.extension ?? user.mailbox.replace(/[^0-9]/g, ''),
      email: user.email,
      enabled: s.enabled,
      language: language ?? this.defaults.language,
      // her own way of choosing her callers' language; without one the flow uses the site's
      has_language_choice: s.languageChoice !== undefined,
      language_choice: s.languageChoice ?? 'default',
      menu_language: menuLanguage ?? language ?? this.defaults.language,
      // her own greeting type and transfer announcement; without one the flow uses the site's
      has_greeting_type: s.greetingType !== undefined,
      greeting_type: s.greetingType ?? 'individual',
      has_transfer_announcement: s.transferAnnouncement !== undefined,
      transfer_announcement: s.transferAnnouncement ?? 'user',
      profile: s.activeProfile ?? this.defaults.profile,
    };
    this.entries.set(rec, user);
    return rec;
  }

  entry(v: Value): DirectoryUser {
    const user = isRecord(v) ? this.entries.get(v) : undefined;
    if (!user) throw new Error('this is not a user found by lookup user');
    return user;
  }

  /**
   * Her own office hours, off-hours and break profiles (§4.7.6) for `activeProfile`. A value
   * that cannot be used is logged once per record with the user, the key and the value, and
   * left out: the company's applies to her, and nothing changes for anybody else.
   */
  schedule(
    v: Value,
    company: { readonly officeHours: OfficeHours | null; readonly profiles: ProfileRules },
    log: RuntimeLogger,
  ): OwnSchedule {
    const user = this.entry(v);
    const { user: own, problems } = userScheduleRules(user.settings, company);
    if (problems.length > 0 && isRecord(v) && !this.reported.has(v)) {
      this.reported.add(v);
      for (const p of problems)
        log.warn(
          { user: user.id, key: p.key, value: p.value, error: p.error },
          `her own ${p.key} cannot be used: the company's applies`,
        );
    }
    return own;
  }

  /** after an update: the record now stands for the new entry */
  replace(v: Value, user: DirectoryUser): void {
    if (isRecord(v)) this.entries.set(v, user);
  }

  /** the `user` record keeps showing what the call changed (`say active_profile_is(profile: user.profile)`) */
  show(rec: Value, field: string, value: Value): void {
    if (isRecord(rec) && !Object.isFrozen(rec)) (rec as Record<string, Value>)[field] = value;
  }
}

/** A `message` record of `list messages`: the mailbox message, and whose mailbox it is in. */
export interface MessageEntry {
  readonly info: MessageInfo;
  readonly owner: DirectoryUser;
}

export class MessageRecords {
  private readonly entries = new WeakMap<object, MessageEntry>();

  record(info: MessageInfo, owner: DirectoryUser, canCallBack: boolean): ValueRecord {
    const rec: ValueRecord = {
      kind: info.kind,
      date: info.date,
      sender: info.sender,
      sender_number: info.senderNumber ?? '',
      has_sender_number: Boolean(info.senderNumber),
      can_call_back: canCallBack,
      subject: info.subject,
      length: info.durationMs ?? 0,
      // fetched when it is played (`message audio`), not for every message listed
      audio: null,
      is_new: info.isNew,
    };
    this.entries.set(rec, { info, owner });
    return rec;
  }

  entry(v: Value): MessageEntry {
    const m = isRecord(v) ? this.entries.get(v) : undefined;
    if (!m) throw new Error('this is not a message from list messages');
    return m;
  }
}
