// Her own login rules in the lab's LDAP user data (R2, R3): erin's office number trusted for
// her alone (`trustOffice=Y`), the site's rule for everyone else; a new PIN required at her next
// login (`pinChangeRequired=Y`), cleared in the directory once she chose one.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Attribute, Change } from 'ldapts';
import { smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import type { UserSettings } from '../../../src/directory/index.js';
import { startVoicebox, type Voicebox } from '../../actions/support.js';
import { asLdapAdmin, labDirectory, values } from '../lab/support.js';

const lab = inject('lab');
const DN = 'uid=erin,ou=engineering,dc=example,dc=com';
const ERIN = '+49 30 1234506';
const OFFICE = '+49 30 1234106';
const MOBILE = '+49 170 1000006';
const STRANGER = '+4989444777';
let box: Voicebox;

/** erin's user data in LDAP, as voicebox writes it */
async function userData(): Promise<string[]> {
  return asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    const { searchEntries } = await c.search(DN, { scope: 'base', attributes: ['voiceboxUserData'] });
    return values(searchEntries[0], 'voiceboxUserData');
  });
}

async function erinsSettings(change: (s: UserSettings) => UserSettings): Promise<void> {
  const d = labDirectory(lab);
  const erin = await d.findByNumber([ERIN]);
  await d.updateSettings(erin!, change);
  await d.close();
}

beforeAll(async () => {
  const pinHash = await hashPin('2468');
  await erinsSettings((s) => ({
    ...s,
    pinHash,
    wrongPinCount: 0,
    welcomeSentAt: '2026-01-01T00:00:00.000Z',
  }));
  box = await startVoicebox({
    directory: labDirectory(lab),
    transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
  });
});

afterAll(async () => {
  await box?.close();
  // erin as seeded again: no user data (other tests read the seed)
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    const { searchEntries } = await c.search(DN, { scope: 'base', attributes: ['voiceboxUserData'] });
    if (values(searchEntries[0], 'voiceboxUserData').length > 0)
      await c.modify(
        DN,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'voiceboxUserData' }) }),
      );
  });
});

const logsIn = (from: string) => box.dial('506').from(from).hears('standard_greeting').press('*');

describe('erin’s own login rules in LDAP', () => {
  it('trustOffice=Y: her office phone logs in without a PIN; her mobile still needs it (the site’s rule)', async () => {
    await erinsSettings((s) => ({ ...s, trustOffice: true }));
    expect(await userData()).toContain('trustOffice=Y');
    const office = await logsIn(OFFICE).hears('main_menu').press('#');
    expect(office.said).not.toContain('enter_pin');
    const mobile = await logsIn(MOBILE).hears('enter_pin').types('2468#').hears('main_menu').press('#');
    expect(mobile.said).toContain('enter_pin');
  });

  it('without it, her office phone needs the PIN like every number (the site’s default)', async () => {
    await erinsSettings((s) => {
      const next = { ...s };
      delete next.trustOffice;
      return next;
    });
    const office = await logsIn(OFFICE).hears('enter_pin').types('2468#').hears('main_menu').press('#');
    expect(office.said).toContain('enter_pin');
  });

  it('pinChangeRequired=Y: a new PIN before anything else, then the key is gone from LDAP', async () => {
    await erinsSettings((s) => ({ ...s, pinChangeRequired: true }));
    expect(await userData()).toContain('pinChangeRequired=Y');
    const r = await logsIn(STRANGER)
      .hears('enter_pin')
      .types('2468#')
      .hears('enter_new_pin')
      .types('5831#')
      .hears('repeat_new_pin')
      .types('5831#')
      .hears('main_menu')
      .press('#');
    expect(r.said).toContain('pin_changed');
    expect((await userData()).filter((v) => v.startsWith('pinChangeRequired'))).toEqual([]);
    const next = await logsIn(STRANGER).hears('enter_pin').types('5831#').hears('main_menu').press('#');
    expect(next.said).not.toContain('enter_new_pin');
  });
});
