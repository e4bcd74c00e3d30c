// The business actions of the caller side (C1–C10): who is called, which profile and
// greeting, the language, the message into the spool, the welcome mail.
import { basename } from 'node:path';
import type { Directory, DirectoryUser, UserSettings } from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import type { GreetingStore } from '../greetings/index.js';
import {
  composeVoiceMessage,
  composeWelcomeMail,
  fileAudioDigest,
  voiceMessageId,
  type MailSpool,
} from '../mail/index.js';
import {
  checkDial,
  DEFAULT_DIAL_POLICY,
  formats,
  languageForCaller,
  toE164,
  type DialPolicy,
  type Location,
} from '../phone/index.js';
import { generatePin, hashPin } from '../pin/index.js';
import type { ActionImpl, ActionResult, RuntimeLogger } from '../runtime/ports.js';
import { isAudio, type Value } from '../runtime/values.js';
import { activeProfile } from '../schedule/index.js';

export interface CallerSideOptions {
  readonly bundle: Bundle;
  readonly directory: Directory;
  readonly location: Location;
  readonly greetings: GreetingStore;
  readonly spool: MailSpool;
  readonly mail: { readonly domain: string; readonly fromTemplate?: string };
  readonly welcome: { readonly enabled: boolean; readonly minPinLength: number; readonly portalUrl?: string };
  readonly log: RuntimeLogger;
  /** where a transfer may go (default: internal and national) */
  readonly dialPolicy?: DialPolicy;
  /** the site's key: voice messages are signed with it (mail.signingKey) */
  readonly signingKey?: Uint8Array;
  readonly now?: () => Date;
}

/** The `user` record the menus see; the directory entry behind it stays with the actions. */
type UserRecord = { readonly [field: string]: Value };

export class UserRecords {
  private readonly entries = new WeakMap<object, DirectoryUser>();

  record(
    user: DirectoryUser,
    defaults: { language: string; profile: string },
    location: Location,
  ): UserRecord {
    const s = user.settings;
    const e164 = toE164(user.mailbox, location, { outsideLine: 'without' }) ?? user.mailbox;
    const f = formats(e164, location);
    const rec: UserRecord = {
      name: user.name,
      mailbox: f?.canonical ?? user.mailbox,
      extension: f?.extension ?? user.mailbox.replace(/[^0-9]/g, ''),
      email: user.email,
      enabled: s.enabled,
      language: s.language ?? defaults.language,
      greeting_type: s.greetingType ?? 'individual',
      transfer_announcement: s.transferAnnouncement ?? 'user',
      profile: s.activeProfile ?? defaults.profile,
    };
    this.entries.set(rec, user);
    return rec;
  }

  entry(v: Value): DirectoryUser {
    const user = v !== null && typeof v === 'object' ? this.entries.get(v) : undefined;
    if (!user) throw new Error('this is not a user found by lookup user');
    return user;
  }

  /** after an update: the record now stands for the new entry */
  replace(v: Value, user: DirectoryUser): void {
    if (v !== null && typeof v === 'object') this.entries.set(v, user);
  }
}

const text = (v: Value | undefined): string => (typeof v === 'string' ? v : '');

export function callerActions(o: CallerSideOptions, users = new UserRecords()): Map<string, ActionImpl> {
  const now = o.now ?? (() => new Date());
  const defaults = { language: o.bundle.languages.default, profile: o.bundle.profiles.default };
  const timeZone = o.bundle.officeHours?.timeZone ?? 'UTC';
  const none: ActionResult = { outcome: 'none' };
  const audio = (a: { freeswitchPath: string; localPath: string } | undefined): ActionResult =>
    a ? { value: { kind: 'audio', freeswitchPath: a.freeswitchPath, localPath: a.localPath } } : none;
  const settingsOf = (user: DirectoryUser, profile: string) => user.settings.profiles[profile] ?? {};

  const actions: Record<string, ActionImpl> = {
    'lookup user': async ([number]) => {
      const f = formats(text(number), o.location);
      if (!f) return { outcome: 'unknown' };
      const user = await o.directory.findByNumber(f.all);
      if (!user) return { outcome: 'unknown' };
      return { value: users.record(user, defaults, o.location) };
    },

    'active profile': async ([rec], ctx) => {
      const user = users.entry(rec!);
      const chosen = user.settings.activeProfile ?? defaults.profile;
      const result = activeProfile({
        rules: { officeHours: o.bundle.officeHours, profiles: o.bundle.profiles },
        user: { chosen, ...(user.settings.vacation ? { vacation: true } : {}) },
        at: ctx.call.time,
        internalCaller: ctx.call.callerClass === 'internal',
      });
      ctx.log.info({ user: user.id, profile: result.profile, reason: result.reason }, 'active profile');
      return { value: result.profile };
    },

    'profile settings': async ([rec, profile], ctx) => {
      const user = users.entry(rec!);
      const p = settingsOf(user, text(profile));
      let transferTo = p.transferTo ?? '';
      const dial =
        transferTo === ''
          ? undefined
          : checkDial(transferTo, o.dialPolicy ?? DEFAULT_DIAL_POLICY, o.location);
      if (dial !== undefined && !dial.allowed) {
        // stored before the policy forbade it, or written into the directory by hand
        ctx.log.warn(
          { user: user.id, profile: text(profile), reason: dial.reason },
          'transfer target refused by the dial policy: no transfer offered',
        );
        transferTo = '';
      }
      return {
        value: {
          transfer_to: transferTo,
          can_transfer: transferTo !== '',
          messages_allowed: p.messagesAllowed ?? true,
        },
      };
    },

    'caller language': async ([rec], ctx) => {
      const user = users.entry(rec!);
      const e164 = toE164(ctx.call.caller, o.location);
      if (!e164) return { value: user.settings.language ?? defaults.language };
      return { value: languageForCaller(e164, o.bundle.languages) };
    },

    greeting: async ([rec, profile], ctx) =>
      audio(o.greetings.greeting(users.entry(rec!).mailbox, text(profile), ctx.language)),

    'recorded name': async ([rec]) => audio(o.greetings.name(users.entry(rec!).mailbox)),

    'company greeting': async (_args, ctx) => audio(o.greetings.company(ctx.language)),

    'send voice message': async ([recording, rec], ctx) => {
      if (!isAudio(recording!) || !recording.localPath)
        throw new Error('send voice message needs a recording');
      const user = users.entry(rec!);
      const id = basename(recording.localPath, '.wav');
      const mailbox = toE164(user.mailbox, o.location, { outsideLine: 'without' }) ?? user.mailbox;
      const message = composeVoiceMessage({
        to: { email: user.email, name: user.name, language: user.settings.language ?? defaults.language },
        mailbox,
        caller: { number: toE164(ctx.call.caller, o.location) ?? '', name: ctx.call.callerName },
        recordedAt: now(),
        durationMs: recording.ms ?? 0,
        wav: { path: recording.localPath },
        domain: o.mail.domain,
        ...(o.mail.fromTemplate ? { fromTemplate: o.mail.fromTemplate } : {}),
        timeZone,
        messageId: voiceMessageId(id, o.mail.domain),
        ...(o.signingKey
          ? { signature: { key: o.signingKey, audioDigest: await fileAudioDigest(recording.localPath) } }
          : {}),
      });
      // on disk and fsynced before the caller hears "thank you"; sent in the background
      await o.spool.enqueue(message, id);
      ctx.log.info({ user: user.id, recording: id, ms: recording.ms }, 'voice message spooled');
      return {};
    },

    'welcome new user': async ([rec], ctx) => {
      const user = users.entry(rec!);
      // an entry from the last known copy cannot store her new PIN: the mail waits for the directory
      if (!o.welcome.enabled || user.settings.welcomeSentAt || user.lastKnown !== undefined) return {};
      const hasPin = Boolean(user.settings.pinHash || user.settings.legacyPin);
      const pin = hasPin ? undefined : generatePin(o.welcome.minPinLength);
      const pinHash = pin ? await hashPin(pin) : undefined;
      const at = now().toISOString();
      // first call to this mailbox: only one call (on any voicebox node) wins the right to send
      let won = false;
      const updated = await o.directory.updateSettings(user, (s: UserSettings) => {
        won = !s.welcomeSentAt;
        if (!won) return s;
        return { ...s, welcomeSentAt: at, ...(pinHash ? { pinHash, pinChangedAt: at } : {}) };
      });
      users.replace(rec!, updated);
      if (!won) return {};
      const mail = composeWelcomeMail({
        to: { email: user.email, name: user.name },
        mailbox: user.mailbox,
        ...(pin ? { pin } : {}),
        language: user.settings.language ?? defaults.language,
        ...(o.welcome.portalUrl ? { portalUrl: o.welcome.portalUrl } : {}),
        from: { address: `voicebox@${o.mail.domain}`, name: 'voicebox' },
        messageId: `voicebox.welcome.${user.id.replace(/[^A-Za-z0-9]/g, '_')}@${o.mail.domain}`,
      });
      await o.spool.enqueue(mail, `welcome-${user.id.replace(/[^A-Za-z0-9]/g, '_')}`);
      ctx.log.info({ user: user.id, newPin: pin !== undefined }, 'welcome mail spooled');
      return {};
    },
  };
  return new Map(Object.entries(actions));
}
