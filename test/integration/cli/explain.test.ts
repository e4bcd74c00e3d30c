// `voicebox explain` against the lab's slapd: a seeded user (alice, mailbox 501) read, never
// written — her directory entry is the same before and after, and her PIN is nowhere.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { voicebox } from '../../support/in-process.js';
import { asLdapAdmin, values } from '../lab/support.js';

const lab = inject('lab');
const ldapUrl = lab.ldap.servers[0].url;
const alice = 'uid=alice,ou=sales,dc=example,dc=com';

/** her whole entry as slapd holds it, every attribute sorted */
function entryOfAlice(): Promise<string> {
  return asLdapAdmin(lab, ldapUrl, async (c) => {
    const { searchEntries } = await c.search(alice, { scope: 'base', attributes: ['*', 'modifyTimestamp'] });
    const entry = searchEntries[0]!;
    return JSON.stringify(
      Object.keys(entry)
        .sort()
        .map((k) => [k, values(entry, k).sort()]),
    );
  });
}

let before = '';
beforeAll(async () => {
  before = await entryOfAlice();
});

afterAll(async () => {
  // read-only: nothing to put back; checked instead
  expect(await entryOfAlice()).toBe(before);
});

describe('voicebox explain against the lab (real slapd)', () => {
  it("the README's example: a caller from London on a Tuesday night, word for word", async () => {
    const text = readFileSync('README.md', 'utf8');
    const section = text.slice(text.indexOf('### Why a call goes where it goes'));
    const command = /```sh\n(npx voicebox explain [^\n]*)\n```/.exec(section)?.[1];
    const shown = /```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(command).toBe(
      'npx voicebox explain 501 --config lab/voicebox.yaml --from +442071234567 --at 2026-12-01T21:32',
    );
    const args = command!
      .replace(/^npx voicebox /, '')
      .replace('lab/voicebox.yaml', lab.config)
      .split(' ');
    const r = await voicebox(...args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(shown);
    expect(r.out).toContain('because: outside office hours');
    expect(r.out).toMatch(/^language {2}en$/m);
    // her PIN as slapd holds it: never printed
    expect(r.out + r.err).not.toMatch(/PLAIN|pin=|pinHash/);
  });

  it('by login, as JSON: the same user, her choice in office hours', async () => {
    const r = await voicebox(
      'explain',
      'alice',
      '--config',
      lab.config,
      '--at',
      '2026-12-02T10:00',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out) as {
      user: { mailbox: string };
      profile: { reason: string };
      message: { canLeave: boolean };
    };
    expect(e.user.mailbox).toBe('+49 30 1234501');
    expect(e.profile.reason).toBe('chosen');
    expect(e.message.canLeave).toBe(true);
  });

  it('a number nobody in the directory has: one line, exit 1', async () => {
    const r = await voicebox('explain', '+49 30 1234599', '--config', lab.config);
    expect(r.out).toBe('');
    expect(r.err).toBe("voicebox explain: no user '+49 30 1234599'\n");
    expect(r.code).toBe(1);
  });
});
