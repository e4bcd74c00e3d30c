// `voicebox migrate` against the lab's slapd, as an admin moving a site from ixi-UMS runs it:
// the dry run's table, the write, a second write that changes nothing, and then a call to the
// migrated English user. The lab's ixi-UMS users (lab/README.md): bob (the old four keys), emma
// (every key of the manual's default data set, English), felix (an unknown language flag and
// office hours that are no schedule). Every user's data is put back afterwards.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { voicebox } from '../../support/in-process.js';
import { planMigration } from '../../../src/directory/index.js';
import { asLdapAdmin, values } from '../lab/support.js';

const lab = inject('lab');
const ldapUrl = lab.ldap.servers[0].url;
const emma = 'uid=emma,ou=sales,dc=example,dc=com';
const felix = 'uid=felix,ou=engineering,dc=example,dc=com';
const bob = 'uid=bob,ou=sales,dc=example,dc=com';
/** the seed's PINs, as digits and as ixi-UMS's base64: never in the output */
const pins = ['864209', 'ODY0MjA5', '975310', 'OTc1MzEw', 'MTIzNA==', '{PLAIN}'];

/**
 * every seeded user's voiceboxUserData, by DN, on the first slapd (the one voicebox asks first);
 * in the seed's OUs, as the lab's config lists them (other tests add entries of their own beside)
 */
function userData(): Promise<Map<string, string[]>> {
  return asLdapAdmin(lab, ldapUrl, async (c) => {
    const entries = [];
    for (const ou of lab.ldap.ous) {
      const { searchEntries } = await c.search(ou, {
        filter: '(voiceboxMailboxNumber=*)',
        attributes: ['voiceboxUserData'],
      });
      entries.push(...searchEntries);
    }
    return new Map(entries.map((e) => [e.dn, values(e, 'voiceboxUserData').sort()]));
  });
}

const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

/** One README command run as its own process from the sources, in a folder laid out as the README says. */
function runReadmeCommand(
  command: string,
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const args = command.replace(/^npx voicebox /, '').split(/\s+/);
  const child = spawn(process.execPath, ['--import', tsx, resolve('test/cli/run-from-source.ts'), ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err }));
  });
}

/** The README's "Moving from ixi-UMS" section: its commands and the output it shows. */
function readmeSection(): { commands: string[]; shown: string[] } {
  const text = readFileSync('README.md', 'utf8');
  const start = text.indexOf('## Moving from ixi-UMS');
  if (start < 0) throw new Error('README.md: no section "## Moving from ixi-UMS"');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const sh = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const shown = /```text\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return {
    commands: sh
      .split('\n')
      .map((l) => l.replace(/\s+#(\s.*)?$/, '').trim())
      .filter((l) => l !== ''),
    // `…` marks what the README leaves out
    shown: shown.split('\n').filter((l) => l.trim() !== '' && !l.includes('…')),
  };
}

let before = new Map<string, string[]>();
let dir = '';

beforeAll(async () => {
  before = await userData();
  // the folder the README's commands run in: lab/voicebox.yaml where `npm run lab:up` writes it
  dir = mkdtempSync(join(tmpdir(), 'voicebox-migrate-'));
  mkdirSync(join(dir, 'lab'));
  copyFileSync(lab.config, join(dir, 'lab', 'voicebox.yaml'));
});

afterAll(async () => {
  // the files after this one expect the seed as it was (bob's ixi-UMS data above all)
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    for (const [dn, data] of before) {
      await c.modify(dn, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'voiceboxUserData', values: data }),
        }),
      ]);
    }
  });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('voicebox migrate against the lab (real slapd)', () => {
  const readme = readmeSection();
  const dryRun = readme.commands.find((c) => c.startsWith('npx voicebox migrate') && !c.includes('--write'));
  const write = readme.commands.find((c) => c.startsWith('npx voicebox migrate') && c.includes('--write'));

  it('the README names the dry run and the write', () => {
    expect(dryRun).toBe('npx voicebox migrate --config lab/voicebox.yaml');
    expect(write).toBe('npx voicebox migrate --config lab/voicebox.yaml --write');
  });

  it('the dry run shows each user a person can check, the totals, no PIN — and writes nothing', async () => {
    const r = await runReadmeCommand(dryRun!, dir);
    expect(r.code, r.err).toBe(0);
    const out = r.out;
    // emma: who she is, then a row per ixi-UMS value with what it becomes, inferred ones marked
    expect(out).toContain('Emma Wright — mailbox +49 30 1234507 — uid=emma,ou=sales,dc=example,dc=com');
    const emmaBlock = out.slice(out.indexOf('Emma Wright'), out.indexOf('\n\n', out.indexOf('Emma Wright')));
    expect(emmaBlock).toMatch(/IXI-UMSMobileAnnouncementFlags=ENEN\.\.\. +→ .*language=en.* \*$/m);
    expect(emmaBlock).toMatch(/IXI-UMSMobileAnnouncementFlags=ENEN\.\.\. +→ .*menuLanguage=en/m);
    expect(emmaBlock).toMatch(/ixi-umsMobileIMAPMailbox=Voice +→ imapFolder=INBOX\/Voice/m);
    expect(emmaBlock).toMatch(/IXI-UMSMobileNoMessageProfiles=Vacation +→ profile\.vacation\.messages=N/m);
    expect(emmaBlock).toMatch(/IXI-UMSMobileEnabled=Y +→ enabled=Y/m);
    // kept: the fax kernel's values and the notifier's, each with why
    expect(emmaBlock).toMatch(/^ {4}IXIFaxMaxPages=20 +\S.*$/m);
    expect(emmaBlock).toMatch(/^ {4}MNThrhlds=0;1;0 +\S.*$/m);
    expect(emmaBlock).toContain('would be written');
    // felix: the wrong values with their key and value, and what is good still mapped
    const felixBlock = out.slice(out.indexOf('Felix Falk'), out.indexOf('\n\n', out.indexOf('Felix Falk')));
    expect(felixBlock).toContain('uid=felix,ou=engineering,dc=example,dc=com');
    expect(felixBlock).toMatch(/problems/);
    expect(felixBlock).toContain('IXI-UMSMobileAnnouncementFlags=XX..');
    expect(felixBlock).toContain('IXI-UMSMobileOH=whenever I feel like it');
    expect(felixBlock).toMatch(/IXI-UMSPINFailureCount=2 +→ wrongPinCount=2/m);
    // a user without ixi-UMS data says so in one line
    expect(out).toMatch(
      /^Alice Anders — mailbox \+49 30 1234501 — uid=alice,ou=sales,dc=example,dc=com, login alice\n {2}no ixi-UMS data$/m,
    );
    // the totals, as the plans of the seed's data add up
    const plans = [...before.values()].map((d) => planMigration(d));
    const mapped = plans.reduce((n, p) => n + p.mapped.length, 0);
    const problems = plans.reduce((n, p) => n + p.problems.length, 0);
    expect(out).toContain(`Users: ${before.size}, with ixi-UMS data: 3\n`);
    expect(out).toMatch(
      new RegExp(`^Values: ${mapped} mapped \\(\\d+ inferred\\), \\d+ kept, ${problems} problems?$`, 'm'),
    );
    expect(problems).toBeGreaterThanOrEqual(1);
    expect(out).toMatch(/^Users that would change: 3 /m);
    for (const pin of pins) expect(out).not.toContain(pin);
    expect(r.err).toBe('');
    // nothing written
    expect(await userData()).toEqual(before);
    // what the README shows is what it prints
    // (its columns may be narrower or wider: the words count, not the padding)
    const squeeze = (l: string) => l.trim().replace(/\s+/g, ' ');
    const printed = out.split('\n').map(squeeze);
    for (const line of readme.shown) expect(printed).toContain(squeeze(line));
  }, 120_000);

  it('--user shows one user only', async () => {
    const r = await voicebox('migrate', '--config', lab.config, '--user', '507');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Emma Wright');
    expect(r.out).not.toContain('Felix Falk');
    expect(r.out).toContain('Users: 1, with ixi-UMS data: 1\n');
  });

  it('--write writes each user once, keeps what it does not map; a second --write changes nothing', async () => {
    const r = await runReadmeCommand(write!, dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Emma Wright[^\n]*\n(?: {2}[^\n]*\n)*? {2}written$/m);
    expect(r.out).toMatch(/^Felix Falk[^\n]*\n(?: {2}[^\n]*\n)*? {2}written$/m);
    expect(r.out).toContain('Written: 3, unchanged: 0, failed: 0\n');
    for (const pin of pins) expect(r.out).not.toContain(pin);

    const after = await userData();
    const emmaData = after.get(emma)!;
    // in voicebox's keys now
    expect(emmaData).toEqual(
      expect.arrayContaining(['language=en', 'menuLanguage=en', 'imapFolder=INBOX/Voice', 'access=messages']),
    );
    expect(emmaData).not.toContain('IXI-UMSMobileAnnouncementFlags=ENEN...');
    // ixi-UMS's other values stay as they were
    expect(emmaData).toEqual(
      expect.arrayContaining(['IXIFaxMaxPages=20', 'IXICostCenter=4711', 'MNThrhlds=0;1;0', 'MNDestDev=MWI']),
    );
    // felix: what is good is written, the wrong values stay for the admin to correct
    const felixData = after.get(felix)!;
    expect(felixData).toEqual(
      expect.arrayContaining(['wrongPinCount=2', 'access=messages', 'IXIFaxMaxPages=10']),
    );
    expect(felixData).toEqual(
      expect.arrayContaining([
        'IXI-UMSMobileAnnouncementFlags=XX..',
        'IXI-UMSMobileOH=whenever I feel like it',
      ]),
    );
    expect(felixData.some((v) => v.startsWith('language='))).toBe(false);
    // users without ixi-UMS data are not touched
    for (const [dn, data] of before)
      if (![emma, felix, bob].includes(dn)) expect(after.get(dn)).toEqual(data);

    const again = await voicebox('migrate', '--config', lab.config, '--write');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('Written: 0, unchanged: 3, failed: 0\n');
    expect(await userData()).toEqual(after);
  }, 120_000);

  it('a call to the migrated English user greets the caller in English; felix, whose flag was wrong, in the site language', async () => {
    // the site greets in the owner's language (menu.language_choice: default); the lab's config otherwise
    const config = join(dir, 'lab', 'by-owner.yaml');
    writeFileSync(config, `${readFileSync(lab.config, 'utf8')}\nmenu:\n  language_choice: default\n`);
    const english = await voicebox(
      'call',
      '507',
      '--config',
      config,
      '--from',
      '+4989777888',
      '--hangup-after',
      '3',
    );
    expect(english.code, english.err).toBe(0);
    expect(english.out).toMatch(
      /^play \S*standard_greeting\S* "Hello, you have reached the voice box 5 0 7\./m,
    );
    const german = await voicebox(
      'call',
      '508',
      '--config',
      config,
      '--from',
      '+4989777888',
      '--hangup-after',
      '3',
    );
    expect(german.code, german.err).toBe(0);
    expect(german.out).toMatch(
      /^play \S*standard_greeting\S* "Hallo, Sie sind mit der Voice-Box 5 0 8 verbunden\./m,
    );
  }, 120_000);
});
