// The site's greeting defaults (the ixi-UMS Voice-Mail Server manual §4.7.1, "User announcement"):
// the greeting type and who offers the transfer, for every user who chose none of her own — and
// her own choice over the site's. What the caller hears on the shipped menus.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserSettings } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import { writeWav } from '../../src/sim/index.js';
import { aliceWithPin } from '../support/owners.js';
import { startVoicebox, type Voicebox } from './support.js';

const STRANGER = '+4989777888';
/** Alice's mailbox folder in the media root */
const ALICE_KEY = '49301234501';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

// Tuesday 2026-12-01 in Berlin: 10:00 the work profile (no transfer), 12:30 the break (transfer
// to her mobile)
const at = (hhmm: string) => () => new Date(`2026-12-01T${hhmm}:00+01:00`);

async function start(o: {
  menu: Record<string, string>;
  alice?: (s: UserSettings) => UserSettings;
  now?: () => Date;
  recorded: string[];
}): Promise<Voicebox> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-greeting-defaults-'));
  const { directory } = await aliceWithPin(dir, o.alice);
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    menu: o.menu,
    now: o.now ?? at('10:00'),
  });
  const folder = join(box.media, 'greetings', ALICE_KEY);
  mkdirSync(folder, { recursive: true });
  for (const file of o.recorded) writeWav(join(folder, file), 1500, 200);
  return box;
}

type Events = { events: readonly { kind: string; text?: string; file?: string }[] };

/** what the call said and played, in order: prompt ids, `audio:<file>`, `tone` */
const sequence = (r: Events): string[] =>
  r.events.flatMap((e) =>
    e.kind === 'prompt' && e.text
      ? e.text.split(/\s(?=[a-z]{2}:\w)/).map((p) => p.replace(/^\w+:/, '').replace(/\(.*$/, ''))
      : e.kind === 'audio' && e.file
        ? [`audio:${e.file.split('/').at(-1)}`]
        : e.kind === 'tone'
          ? ['tone']
          : [],
  );

describe('the site greeting type', () => {
  it('personalized: a user who chose none is announced by her recorded name in the system words', async () => {
    const b = await start({
      menu: { greeting_type: 'personalized' },
      recorded: ['name.wav', 'work.de.wav'],
    });
    const r = await b.dial('501').from(STRANGER).hears('personal_greeting_end').hangsUp();
    expect(sequence(r)).toEqual(['personal_greeting_start', 'audio:name.wav', 'personal_greeting_end']);
  });

  it('personalized, but she chose individual: her own recording plays', async () => {
    const b = await start({
      menu: { greeting_type: 'personalized' },
      alice: (s) => ({ ...s, greetingType: 'individual' }),
      recorded: ['name.wav', 'work.de.wav'],
    });
    const r = await b.dial('501').from(STRANGER).hearsAudio().hangsUp();
    expect(sequence(r)).toEqual(['audio:work.de.wav']);
  });

  it('individual (the default), but she chose personalized: her name in the system words', async () => {
    const b = await start({
      menu: {},
      alice: (s) => ({ ...s, greetingType: 'personalized' }),
      recorded: ['name.wav', 'work.de.wav'],
    });
    const r = await b.dial('501').from(STRANGER).hears('personal_greeting_end').hangsUp();
    expect(sequence(r)).toEqual(['personal_greeting_start', 'audio:name.wav', 'personal_greeting_end']);
  });

  it('personalized, when the caller is first asked for a language: her name in the words of the one chosen', async () => {
    const b = await start({
      menu: { greeting_type: 'personalized', language_choice: 'ask' },
      recorded: ['name.wav', 'work.de.wav'],
    });
    const r = await b
      .dial('501')
      .from(STRANGER)
      .hears('choose_language_prompt')
      .press('2')
      .hears('personal_greeting_end')
      .hangsUp();
    expect(sequence(r).slice(-3)).toEqual([
      'personal_greeting_start',
      'audio:name.wav',
      'personal_greeting_end',
    ]);
    expect(r.said.at(-1)).toBe('personal_greeting_end');
  });
});

describe('the site transfer announcement', () => {
  it('user_and_system: after her recorded greeting the system offers the transfer', async () => {
    const b = await start({
      menu: { transfer_announcement: 'user_and_system' },
      now: at('12:30'),
      recorded: ['mobile.de.wav'],
    });
    const r = await b.dial('501').from(STRANGER).hears('transfer_offer_number').hangsUp();
    expect(sequence(r)).toEqual(['audio:mobile.de.wav', 'press_1_to_leave_message', 'transfer_offer_number']);
  });

  it('user_and_system, but she chose user: her recording alone, the system offers nothing', async () => {
    const b = await start({
      menu: { transfer_announcement: 'user_and_system' },
      alice: (s) => ({ ...s, transferAnnouncement: 'user' }),
      now: at('12:30'),
      recorded: ['mobile.de.wav'],
    });
    const r = await b.dial('501').from(STRANGER).hearsAudio().hangsUp();
    expect(sequence(r)).toEqual(['audio:mobile.de.wav']);
  });
});
