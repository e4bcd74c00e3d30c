// Greetings and the recorded name (C4–C6, S2–S3): the ones callers hear (in another language
// when none in theirs), and the owner's recordings of them by phone, in exactly the language she
// chose, through the Greetings port.
import type { StoredAudio } from '../greetings/index.js';
import type { Audio } from '../runtime/index.js';
import { defineAction, done, outcome, value } from './define.js';

const audio = (a: StoredAudio | undefined) =>
  a
    ? value<Audio>({ kind: 'audio', freeswitchPath: a.freeswitchPath, localPath: a.localPath })
    : outcome('none');

const recorded = (a: Audio, action: string): string => {
  if (!a.localPath) throw new Error(`${action} needs a recording`);
  return a.localPath;
};

export const greetingActions = [
  defineAction('greeting', async (kit, [rec, profile], ctx) => {
    const user = kit.users.entry(rec);
    // a caller from abroad hears her own voice in another language rather than the standard text
    const languages =
      (kit.greetings.languageFallback ?? 'recorded') === 'recorded'
        ? [ctx.language, user.settings.language ?? kit.defaults.language, kit.defaults.language]
        : [ctx.language];
    for (const language of new Set(languages)) {
      const found = await kit.greetings.greeting(user.mailbox, profile, language);
      if (found) {
        if (language !== ctx.language)
          ctx.log.info(
            { user: user.id, profile, language, call: ctx.language },
            'greeting in another language',
          );
        return audio(found);
      }
    }
    return outcome('none');
  }),

  defineAction('recorded name', async (kit, [rec]) =>
    audio(await kit.greetings.name(kit.users.entry(rec).mailbox)),
  ),

  defineAction('company greeting', async (kit, _args, ctx) =>
    audio(await kit.greetings.company(ctx.language)),
  ),

  // the owner by phone: the language she chose, whatever language her menus speak
  defineAction('greeting in', async (kit, [rec, profile, language]) =>
    audio(await kit.greetings.greeting(kit.users.entry(rec).mailbox, profile, language)),
  ),

  defineAction('save greeting', async (kit, [rec, profile, recording, language], ctx) => {
    const user = kit.users.entry(rec);
    await kit.greetings.saveGreeting(user.mailbox, profile, language, recorded(recording, 'save greeting'));
    ctx.log.info({ user: user.id, profile, language }, 'greeting saved');
    return done;
  }),

  defineAction('delete greeting', async (kit, [rec, profile], ctx) => {
    const user = kit.users.entry(rec);
    await kit.greetings.deleteGreeting(user.mailbox, profile);
    ctx.log.info({ user: user.id, profile }, 'greeting deleted');
    return done;
  }),

  defineAction('save name', async (kit, [rec, recording], ctx) => {
    const user = kit.users.entry(rec);
    await kit.greetings.saveName(user.mailbox, recorded(recording, 'save name'));
    ctx.log.info({ user: user.id }, 'recorded name saved');
    return done;
  }),

  defineAction('delete all greetings', async (kit, [rec], ctx) => {
    const user = kit.users.entry(rec);
    await kit.greetings.deleteAll(user.mailbox);
    ctx.log.info({ user: user.id }, 'all greetings deleted');
    return done;
  }),
];
