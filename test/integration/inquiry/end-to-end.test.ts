// The whole product against the lab's real servers: a caller leaves a message; the owner
// calls in from an untrusted number, presses *, enters her PIN, hears "one new voice
// message", hears it and deletes it; over IMAP it is in the trash and gone from INBOX.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { ScriptedCaller } from '../../../src/sim/index.js';
import { nth, quickMessage, startVoicebox, type Voicebox } from '../../actions/support.js';
import { Attribute, Change } from 'ldapts';
import { asLdapAdmin, imapClient, labMailboxStore, labDirectory, values, withImap } from '../lab/support.js';

const lab = inject('lab');
/** the site's key: the messages left are signed with it, the mailbox believes them by it */
const KEY = randomBytes(32);
let box: Voicebox;
const from = `+4921${Date.now() % 10_000_000}`;

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
    const r = await box.call(quickMessage('+49 30 1234506', from, 3));
    expect(r.said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    for (let i = 0; i < 50 && (await erinsFolder('INBOX')) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await erinsFolder('INBOX')).toBe(1);
  });

  it('erin logs in with her PIN, hears one new voice message, hears it, deletes it', async () => {
    const caller = new ScriptedCaller({ number: '+4989444555', dialed: '506' })
      .pressWhilePlaying(/standard_greeting/, '*', 300)
      .pressWhilePlaying(/enter_pin/, '2468#', 300)
      .pressWhilePlaying(nth(/main_menu/, 1), '1', 300)
      .pressWhilePlaying(/message_options/, '7', 300)
      .pressWhilePlaying(nth(/main_menu/, 2), '#', 300);
    const r = await box.call(caller);
    expect(r.said).toContain('de:you_have_voice(eins,null)');
    expect(r.said).toContain('de:message_number(eins)');
    // her message was played from the mailbox
    expect(r.events.some((e) => e.kind === 'audio' && e.file.endsWith('.wav'))).toBe(true);
    expect(r.said).toContain('de:message_deleted');
    expect(r.said.at(-1)).toBe('de:goodbye');
    expect(await erinsFolder('INBOX')).toBe(0);
    expect(await erinsFolder('Deleted Voice Messages')).toBe(1);
  });

  it('a wrong PIN is refused and counted', async () => {
    const caller = new ScriptedCaller({ number: '+4989444555', dialed: '506' })
      .pressWhilePlaying(/standard_greeting/, '*', 300)
      .pressWhilePlaying(nth(/enter_pin/, 1), '9999#', 300)
      // asked again after the wrong PIN: enough (at a fixed hang-up time the simulator's clock
      // could jump there while voicebox still checks the PIN)
      .hangupWhilePlaying(nth(/enter_pin/, 2));
    const r = await box.call(caller);
    expect(r.said).toContain('de:wrong_pin');
    const check = directory();
    const erin = await check.findByNumber(['+49 30 1234506']);
    await check.close();
    expect(erin?.settings.wrongPinCount).toBeGreaterThanOrEqual(1);
  });
});
