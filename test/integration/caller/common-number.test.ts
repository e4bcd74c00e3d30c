// The common voice-box number against the lab's OpenLDAP: a call forwarded from Alice's office
// extension finds her by `telephoneNumber`; the message goes through Postfix into her INBOX. A
// user without a mailbox number of her own is reached by the common number ("UMS number"), her
// mailbox her office number.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AmbiguousOfficeNumber } from '../../../src/directory/index.js';
import { formats } from '../../../src/phone/index.js';
import { readConfig } from '../../../src/config/index.js';
import { maildirTransport, smtpTransport } from '../../../src/mail/index.js';
import { ScriptedCaller } from '../../../src/sim/index.js';
import { prompt } from '../../support/dialogue.js';
import { commonNumberBox } from '../../actions/common-number-box.js';
import { asLdapAdmin, imapClient, labDirectory, withImap } from '../lab/support.js';

const lab = inject('lab');
const location = readConfig().location;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const numberFormats = (n: string) => formats(n, location)?.all ?? [];

describe('a call forwarded to the common number (real LDAP, Postfix, Dovecot)', () => {
  it("from Alice's office extension 101: her greeting, the message in her INBOX", async () => {
    const box = await commonNumberBox({
      directory: labDirectory(lab),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
      // no welcome mail: Alice's entry stays as seeded, other files read it at the same time
      welcome: { enabled: false },
    });
    closers.push(() => box.close());
    const from = `+4989${Date.now() % 1_000_000}`;
    const said = await box.call(
      new ScriptedCaller({ number: from, dialed: '500' })
        .redirectedFrom('101')
        .pressWhilePlaying(prompt('standard_greeting'), '0', 500)
        .pressDuring('record', '#', 3000),
    );
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    const delivered = await withImap(imapClient(lab, 'alice', 'alicepw'), async (imap) => {
      await imap.mailboxOpen('INBOX');
      for (let i = 0; i < 50; i++) {
        const uids = (await imap.search({ from: from.slice(1) }, { uid: true })) || [];
        if (uids.length > 0) return uids.length;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return 0;
    });
    expect(delivered).toBe(1);
  });

  it('the office-number search escapes the number: a hostile one finds nobody', async () => {
    const directory = labDirectory(lab);
    closers.push(() => directory.close());
    expect((await directory.findByOfficeNumber(numberFormats('101')))?.login).toBe('alice');
    expect(await directory.findByOfficeNumber(['*)(uid=*', '*'])).toBeUndefined();
    expect(await directory.findByOfficeNumber(['*'])).toBeUndefined();
  });

  it('a user without her own mailbox number is reached by the common number', async () => {
    const dn = `uid=umsonly,ou=sales,${lab.ldap.baseDn}`;
    for (const s of lab.ldap.servers)
      await asLdapAdmin(lab, s.url, async (c) => {
        await c.del(dn).catch(() => undefined);
        await c.add(dn, {
          objectClass: ['inetOrgPerson', 'voiceboxUser'],
          uid: 'umsonly',
          cn: 'Uma Mueller',
          sn: 'Mueller',
          mail: 'umsonly@example.com',
          telephoneNumber: '+49 30 1234199',
          voiceboxUserData: ['enabled=Y', 'language=de'],
        });
      });
    closers.push(async () => {
      for (const s of lab.ldap.servers)
        await asLdapAdmin(lab, s.url, (c) => c.del(dn).catch(() => undefined));
    });
    const directory = labDirectory(lab);
    const found = await directory.findByOfficeNumber(numberFormats('199'));
    await directory.close();
    expect(found?.mailbox).toBe('');

    const box = await commonNumberBox({
      directory: labDirectory(lab),
      transport: maildirTransport({ root: mkdtempSync(join(tmpdir(), 'voicebox-ums-')) }),
    });
    closers.unshift(() => box.close());
    const said = await box.call(
      new ScriptedCaller({ number: '+4989777888', dialed: '500' })
        .redirectedFrom('199')
        .hangupWhilePlaying(prompt('standard_greeting'), 300),
    );
    // her mailbox is her office number: her greeting names it, not the common one
    expect(said[0]).toBe('de:standard_greeting(1 9 9)');
  });

  it('an office number two entries share (a team line) finds nobody; the count says why', async () => {
    const dns = ['teama', 'teamb'].map((uid) => `uid=${uid},ou=sales,${lab.ldap.baseDn}`);
    for (const s of lab.ldap.servers)
      await asLdapAdmin(lab, s.url, async (c) => {
        for (const dn of dns) {
          await c.del(dn).catch(() => undefined);
          const uid = /uid=(\w+)/.exec(dn)![1]!;
          await c.add(dn, {
            objectClass: ['inetOrgPerson', 'voiceboxUser'],
            uid,
            cn: `Team ${uid}`,
            sn: 'Team',
            mail: `${uid}@example.com`,
            telephoneNumber: '+49 30 1234198',
            voiceboxUserData: ['enabled=Y'],
          });
        }
      });
    closers.push(async () => {
      for (const s of lab.ldap.servers)
        await asLdapAdmin(lab, s.url, async (c) => {
          for (const dn of dns) await c.del(dn).catch(() => undefined);
        });
    });
    const directory = labDirectory(lab);
    closers.unshift(() => directory.close());
    const error = await directory.findByOfficeNumber(numberFormats('198')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousOfficeNumber);
    expect((error as AmbiguousOfficeNumber).count).toBe(2);
  });
});
