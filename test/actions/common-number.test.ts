// One voice-box number for everyone (§4.1.1, §4.1.2): a call forwarded from a user's extension to
// the common number reaches her mailbox, found by the forwarding number the network presented.
// End to end: the simulator presents the Diversion header / Caller-RDNIS as FreeSWITCH does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerOfForwardedCall } from '../../src/actions/forwarded.js';
import type { ActionKit } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import { YamlDirectory, type Directory, type DirectoryUser } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import type { ActionContext } from '../../src/runtime/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { prompt } from '../support/dialogue.js';
import { silentLogger } from '../support/log.js';
import { exampleUsers, maildirInbox } from '../support/owners.js';
import { COMMON, commonNumberBox, messageToCommon, STRANGER } from './common-number-box.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function start(commonNumbers: string[] = [COMMON]) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-common-'));
  const maildir = join(dir, 'maildir');
  const box = await commonNumberBox({
    directory: new YamlDirectory({ file: exampleUsers(dir) }),
    transport: maildirTransport({ root: maildir }),
    commonNumbers,
  });
  closers.push(() => box.close());
  const voiceMailsTo = async (user: string) => {
    await box.spool.flush();
    return maildirInbox(maildir, user)
      .map((m) => m.text)
      .filter((m) => /X-Voicebox-Type: voice/i.test(m));
  };
  return { call: box.call, voiceMailsTo };
}

describe('a call forwarded to the common voice-box number', () => {
  it("from Alice's office extension (SIP Diversion): her greeting, the message mailed to her", async () => {
    const box = await start();
    const said = await box.call(messageToCommon().redirectedFrom('101'));
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(said.at(-1)).toBe('de:message_saved');
    expect(await box.voiceMailsTo('alice')).toHaveLength(1);
  });

  it("from Alice's mailbox number (Caller-RDNIS after a dialplan transfer): her mailbox", async () => {
    const box = await start();
    const said = await box.call(messageToCommon().redirectedFrom('+49301234501', 'rdnis'));
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(await box.voiceMailsTo('alice')).toHaveLength(1);
  });

  it('without a forwarding number: as before, no voice box at that number', async () => {
    const box = await start();
    expect(await box.call(messageToCommon())).toEqual(['de:unknown_mailbox de:goodbye']);
  });

  it('forwarded from a number nobody has: no voice box, nobody gets a message', async () => {
    const box = await start();
    expect(await box.call(messageToCommon().redirectedFrom('199'))).toEqual([
      'de:unknown_mailbox de:goodbye',
    ]);
    expect(await box.voiceMailsTo('alice')).toHaveLength(0);
  });

  it('a malformed Diversion header is ignored: the call goes on as not forwarded', async () => {
    const box = await start();
    const forged = messageToCommon().redirectedFrom('101', 'diversion', '<sip:*)(uid=*@pbx>;reason=x');
    expect(await box.call(forged)).toEqual(['de:unknown_mailbox de:goodbye']);
  });

  it('is not routed when the number called is not a common one (the setting off: the default)', async () => {
    const box = await start([]);
    expect(await box.call(messageToCommon().redirectedFrom('101'))).toEqual([
      'de:unknown_mailbox de:goodbye',
    ]);
  });

  it('a forged Diversion of her office number chooses the greeting, never logs anyone in', async () => {
    const box = await start();
    const said = await box.call(
      new ScriptedCaller({ number: STRANGER, dialed: '500' })
        .redirectedFrom('101')
        .pressWhilePlaying(prompt('standard_greeting', 'press_1_or_2'), '*', 300)
        .hangupWhilePlaying(prompt('enter_pin'), 300),
    );
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(said).toContain('de:enter_pin');
    expect(said.some((s) => /main_menu|you_have/.test(s))).toBe(false);
  });
});

describe('the "UMS number": a user without her own mailbox number', () => {
  it('found by her office number, her mailbox is the common number', async () => {
    const carla: DirectoryUser = {
      id: 'uid=carla',
      name: 'Carla',
      email: 'carla@example.com',
      mailbox: '',
      numbers: { office: '+49 30 1234107' },
      settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [] },
      rawUserData: [],
    };
    const directory: Directory = {
      findByNumber: () => Promise.resolve(undefined),
      findByOfficeNumber: (formats) =>
        Promise.resolve(formats.includes('+49 30 1234107') ? carla : undefined),
      updateSettings: () => Promise.reject(new Error('not here')),
      close: () => Promise.resolve(),
    };
    const kit = {
      location: { ...readConfig().location, commonNumbers: ['500'] },
      directory,
    } as unknown as ActionKit;
    const ctx = (redirectedFrom?: string) =>
      ({
        call: { called: '500', ...(redirectedFrom ? { redirectedFrom } : {}) },
        log: silentLogger,
      }) as unknown as ActionContext;
    expect((await ownerOfForwardedCall(kit, ctx('107'), '500'))?.mailbox).toBe(COMMON);
    expect(await ownerOfForwardedCall(kit, ctx('108'), '500')).toBeUndefined();
    expect(await ownerOfForwardedCall(kit, ctx(), '500')).toBeUndefined();
  });
});
