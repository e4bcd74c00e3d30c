// Keys typed ahead over the shipped menus: the caller bursts the mailbox number at the access
// number, the PIN after `*`, menu keys into the next menu — and types them in the gap between
// two applications, where FreeSWITCH's park loop consumes every key and keeps none
// (edge-cases/dtmf-between-apps; the simulator drops them the same way). Every key must arrive.
// Keys are scripted against what the call does (a prompt starts, a prompt ends), never against
// the clock while voicebox thinks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedCaller, Simulator, type CallReport } from '../../src/sim/index.js';
import { nth } from '../support/dialogue.js';
import { PIN, startShippedVoicebox, type ShippedVoicebox } from './shipped-voicebox.js';

const STRANGER = '+4989777888';

let box: ShippedVoicebox | undefined;
beforeAll(async () => {
  box = await startShippedVoicebox();
});
afterAll(async () => {
  await box?.close();
});

/** What the caller heard (prompt ids, in order) and how the call went. */
async function call(
  caller: ScriptedCaller,
  tick: boolean,
): Promise<{ heard: string[]; report: CallReport; lost: number }> {
  const sim = new Simulator({ missingFiles: 'default-length', ...(tick ? { appTickMs: 20 } : {}) });
  try {
    const report = await sim.runCall(caller, { target: box!.target });
    const heard = (box!.events.get(report.uuid) ?? []).flatMap((e) =>
      e.kind === 'prompt' ? e.prompts.map((p) => p.replace(/^\(.*\)$/, '')) : [],
    );
    // keys FreeSWITCH's park loop swallowed: voicebox saw them only as DTMF events
    const lost = report.transcript.filter((e) => e.kind === 'dtmf' && e.text.includes('lost')).length;
    return { heard, report, lost };
  } finally {
    await sim.close();
  }
}

const accessNumber = (): ScriptedCaller =>
  new ScriptedCaller({ number: STRANGER, dialed: '500', variables: { voicebox_flow: 'access' } });
const mailbox501 = (): ScriptedCaller => new ScriptedCaller({ number: STRANGER, dialed: '501' });

/** Logged in, the owner hangs up with `#` at the main menu. */
const LOGGED_IN_AND_OUT = ['enter_pin', 'main_menu', 'goodbye'];
/** the main menu's key labels: said when no key cut into `main_menu` (a kept key ends them unplayed) */
const MAIN_KEYS = ['key_messages', 'key_settings', 'key_hang_up'];
const SETTINGS_KEYS = [
  'key_profiles',
  'key_greetings',
  'key_greeting_type',
  'key_change_pin',
  'key_transfer_setup',
  'key_message_switch',
  'key_main_menu',
];

const scenarios: Array<{ name: string; caller: () => ScriptedCaller; heard: string[] }> = [
  {
    name: 'access number: the mailbox number and the PIN each in one burst into their prompt',
    caller: () =>
      accessNumber()
        .pressWhilePlaying(/enter_mailbox_number/, '501#', 300)
        .pressWhilePlaying(/enter_pin/, `${PIN}#`, 300)
        .pressWhilePlaying(/main_menu/, '#', 300),
    heard: ['enter_mailbox_number', ...LOGGED_IN_AND_OUT],
  },
  {
    name: 'access number: mailbox number, PIN and hang-up key all typed before the first prompt ends',
    caller: () => accessNumber().pressWhilePlaying(/enter_mailbox_number/, `501#${PIN}##`, 300),
    heard: ['enter_mailbox_number', ...LOGGED_IN_AND_OUT],
  },
  {
    name: 'access number: the mailbox number and the PIN typed in the gap after their prompt',
    caller: () =>
      accessNumber()
        .pressAfterPlayed(/enter_mailbox_number/, '501#')
        .pressAfterPlayed(/enter_pin/, `${PIN}#`)
        .pressAfterPlayed(/key_hang_up/, '#'),
    heard: ['enter_mailbox_number', 'enter_pin', 'main_menu', ...MAIN_KEYS, 'goodbye'],
  },
  {
    name: 'mailbox: `*` and the PIN in one burst into the greeting (the PIN falls into the login check)',
    caller: () =>
      mailbox501()
        .pressWhilePlaying(/standard_greeting/, `*${PIN}#`, 300)
        .pressWhilePlaying(/main_menu/, '#', 300),
    heard: ['standard_greeting', ...LOGGED_IN_AND_OUT],
  },
  {
    name: 'menu keys: settings and back to the main menu and hang up, one burst into the main menu',
    caller: () =>
      mailbox501()
        .pressWhilePlaying(/standard_greeting/, '*', 300)
        .pressWhilePlaying(/enter_pin/, `${PIN}#`, 300)
        .pressWhilePlaying(/main_menu/, '2*#', 300),
    heard: ['standard_greeting', 'enter_pin', 'main_menu', ...SETTINGS_KEYS, 'main_menu', 'goodbye'],
  },
  {
    name: 'menu keys: each typed in the gap after the prompt before',
    caller: () =>
      mailbox501()
        .pressWhilePlaying(/standard_greeting/, '*', 300)
        .pressAfterPlayed(/enter_pin/, `${PIN}#`)
        // each menu's last prompt is its key labels: the key comes when the menu waits for it
        .pressAfterPlayed(nth(/key_hang_up/, 1), '2')
        .pressAfterPlayed(/key_main_menu/, '*')
        .pressAfterPlayed(nth(/key_hang_up/, 2), '#'),
    heard: [
      'standard_greeting',
      'enter_pin',
      'main_menu',
      ...MAIN_KEYS,
      ...SETTINGS_KEYS,
      'main_menu',
      ...MAIN_KEYS,
      'goodbye',
    ],
  },
];

describe('no key typed ahead is lost', () => {
  for (const tick of [false, true]) {
    describe(tick ? 'applications on a 20 ms tick' : 'applications at once', () => {
      for (const s of scenarios) {
        it(s.name, async () => {
          const { heard, report } = await call(s.caller(), tick);
          expect(heard, report.text).toEqual(s.heard);
          expect(report.endedBy, report.text).toBe('voicebox');
        });
      }
    });
  }

  it('FreeSWITCH (the simulator) does lose the keys typed into the gap: voicebox keeps them', async () => {
    const { lost, heard, report } = await call(
      accessNumber()
        .pressWhilePlaying(/enter_mailbox_number/, '501#', 300)
        .pressAfterPlayed(/enter_pin/, `${PIN}#`)
        .pressWhilePlaying(/main_menu/, '#', 300),
      true,
    );
    expect(lost, report.text).toBeGreaterThanOrEqual(3);
    expect(heard).toEqual(['enter_mailbox_number', ...LOGGED_IN_AND_OUT]);
  });
});
