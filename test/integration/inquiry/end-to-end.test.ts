// The whole product against the lab's real servers: a caller leaves a message; the owner
// calls in from an untrusted number, presses *, enters her PIN, hears "one new voice
// message", hears it and deletes it; over IMAP it is in the trash and gone from INBOX.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { startVoicebox, type Voicebox } from '../../actions/support.js';
import { dialler } from '../../support/dialogue.js';
import { Attribute, Change } from 'ldapts';
import { asLdapAdmin, imapClient, labMailboxStore, labDirectory, values, withImap } from '../lab/support.js';

const lab = inject('lab');
/** the site's key: the messages left are signed with it, the mailbox believes them by it */
const KEY = randomBytes(32);
let box: Voicebox;
const from = `+4921${Date.now() % 10_000_000}`;
/** erin's mailbox is 506; she calls from a number she does not trust, so she needs her PIN */
const ERINS_MOBILE = '+4989444555';
const dial = (dialed: string) => dialler((caller) => box.call(caller))(dialed);

function directory() {
  return labDirectory(lab);
}

async function erinsFolder(folder: string): Promise<number> {
  return withImap(imapClient(lab, 'erin', 'erinpw'), async (imap) => {
    const exists = (await imap.list()).some((f) => f.path === folder);
    if (!exists) return 0;
    await imap.mailboxOpen(folder);
    return ((await imap.search({ from: from.slice(1) }, { uid: true })) || []).length;
  });
}

beforeAll(async () => {
  // erin's PIN, as the welcome mail would have set it
  const setup = directory();
  const erin = await setup.findByNumber(['+49 30 1234506']);
  const pinHash = await hashPin('2468');
  await setup.updateSettings(erin!, (s) => ({ ...s, pinHash, wrongPinCount: 0 }));
  await setup.close();
  box = await startVoicebox({
    directory: directory(),
    transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    welcome: { enabled: false },
    mailboxes: labMailboxStore(lab, { signingKey: KEY }),
    signingKey: KEY,
  });
});

afterAll(async () => {
  await box?.close();
  // erin as seeded again: no user data (other tests read the seed)
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    const dn = 'uid=erin,ou=engineering,dc=example,dc=com';
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['voiceboxUserData'] });
    if (values(searchEntries[0], 'voiceboxUserData').length > 0) {
      await c.modify(
        dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'voiceboxUserData' }) }),
      );
    }
  });
});

describe('leave a message, then hear and delete it by phone', () => {
  it('the caller leaves a message for erin', async () => {
    const call = await dial('+49 30 1234506')
      .from(from)
      .hears('standard_greeting')
      .press('0')
      .hearsTone()
      .speaks(3000)
      .press('#')
      .hears('message_saved');
    expect(call.said.at(-1)).toBe('message_saved');
    expect(call.events).toContainEqual(expect.objectContaining({ kind: 'prompt', text: 'de:message_saved' }));
    await box.spool.flush();
    for (let i = 0; i < 50 && (await erinsFolder('INBOX')) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await erinsFolder('INBOX')).toBe(1);
  });

  it('erin logs in with her PIN, hears one new voice message, hears it, deletes it', async () => {
    const call = await dial('506')
      .from(ERINS_MOBILE)
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types('2468#')
      .hears('main_menu')
      .press('1')
      .hears('you_have(de:count_new_voice(eins))')
      // one kind alone: its messages at once, the heading in one sentence
      .hears('message_heading(eins,de:message_kind_voice)')
      // her message, played from the mailbox
      .hearsAudio()
      .hears('key_repeat_message(die 1)')
      .press('7')
      .hears('message_deleted')
      .hears('no_more_voice_messages')
      // nothing left: the main menu again
      .hears('main_menu')
      .press('#')
      .hears('goodbye');
    expect(call.heard).toContainEqual(expect.stringMatching(/^audio:.*\.wav$/));
    expect(call.said.at(-1)).toBe('goodbye');
    expect(call.events).toContainEqual(expect.objectContaining({ kind: 'prompt', text: 'de:goodbye' }));
    expect(await erinsFolder('INBOX')).toBe(0);
    expect(await erinsFolder('Deleted Voice Messages')).toBe(1);
  });

  it('a wrong PIN is refused and counted', async () => {
    // each key waits for the prompt it answers: the PIN check (scrypt, then LDAP) may take as
    // long as a loaded machine makes it
    const call = await dial('506')
      .from(ERINS_MOBILE)
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types('9999#')
      .hears('wrong_pin')
      // asked again after the wrong PIN: enough
      .hears('enter_pin')
      .hangsUp();
    expect(call.events).toContainEqual(expect.objectContaining({ kind: 'prompt', text: 'de:wrong_pin' }));
    const check = directory();
    const erin = await check.findByNumber(['+49 30 1234506']);
    await check.close();
    expect(erin?.settings.wrongPinCount).toBeGreaterThanOrEqual(1);
  });
});
