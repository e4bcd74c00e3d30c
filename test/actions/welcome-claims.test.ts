// The welcome mail and the PIN reminder claim their right to be sent in the directory. When that
// write fails (other writers, no directory server) or the mail cannot be spooled, the caller
// still leaves her message: a reminder or a welcome is never worth a lost message.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DirectoryUnavailable,
  SettingsConflict,
  type Directory,
  type UserSettings,
} from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import { recordingLogger } from '../support/log.js';
import { ALICE, aliceSettingsIn, aliceWithPin, maildirInbox } from '../support/owners.js';
import { actionCaller, quickMessage, startVoicebox, testActions, type Voicebox } from './support.js';

const DAY = 86_400_000;
const now = () => new Date('2026-12-01T10:00:00+01:00');

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** the directory as it reads, but every write of the user data fails with `error` */
function writesFail(inner: Directory, error: () => Error): Directory {
  return {
    findByNumber: (formats) => inner.findByNumber(formats),
    updateSettings: () => Promise.reject(error()),
    close: () => inner.close(),
  };
}

const firstCall = (s: UserSettings): UserSettings => {
  const next = { ...s };
  delete next.welcomeSentAt;
  return next;
};
const pinChanged85DaysAgo = (s: UserSettings): UserSettings => ({
  ...s,
  pinChangedAt: new Date(now().getTime() - 85 * DAY).toISOString(),
});

async function callerLeavesMessage(o: {
  alice: (s: UserSettings) => UserSettings;
  error: () => Error;
  login?: { pinExpiryDays: number; remindDays: number };
}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-claims-'));
  const maildir = join(dir, 'maildir');
  const { directory } = await aliceWithPin(dir, o.alice);
  const { log, lines } = recordingLogger();
  box = await startVoicebox({
    directory: writesFail(directory, o.error),
    transport: maildirTransport({ root: maildir }),
    now,
    log,
    ...(o.login ? { login: o.login } : {}),
  });
  const said = (await box.call(quickMessage(ALICE))).said;
  await box.spool.flush();
  const voiceMails = maildirInbox(maildir, 'alice').filter((m) => /X-Voicebox-Type: voice/i.test(m.text));
  // each line as an admin reads it: the message, then its fields
  return { said, voiceMails, lines: lines.map((l) => `${l.msg ?? ''} ${JSON.stringify(l)}`) };
}

describe('a failed claim does not end the call', () => {
  it('the welcome mail: the directory keeps refusing the write (SettingsConflict), the message is left', async () => {
    const r = await callerLeavesMessage({
      alice: firstCall,
      error: () => new SettingsConflict('alice', 10),
    });
    expect(r.said.join(' ')).not.toMatch(/technical_problem/);
    expect(r.said.at(-1)).toBe('de:message_saved');
    expect(r.voiceMails).toHaveLength(1);
    expect(r.lines.some((l) => l.includes('welcome mail not sent: next call') && l.includes('alice'))).toBe(
      true,
    );
  });

  it('the PIN reminder: no directory server answers the write, the message is left', async () => {
    const r = await callerLeavesMessage({
      alice: pinChanged85DaysAgo,
      error: () => new DirectoryUnavailable([{ server: 'ldap://a', error: 'timeout' }], undefined),
      login: { pinExpiryDays: 90, remindDays: 7 },
    });
    expect(r.said.join(' ')).not.toMatch(/technical_problem/);
    expect(r.said.at(-1)).toBe('de:message_saved');
    expect(r.voiceMails).toHaveLength(1);
    expect(r.lines.some((l) => l.includes('PIN reminder not sent: next call') && l.includes('alice'))).toBe(
      true,
    );
  });
});

describe('welcomeResend=newPin when the mail cannot be spooled', () => {
  it('the claim is given back: her old PIN still works and the resend is still asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-claims-'));
    const { directory, usersFile } = await aliceWithPin(dir, (s) => ({ ...s, welcomeResend: 'newPin' }));
    const before = await aliceSettingsIn(usersFile);
    const actions = testActions({
      directory,
      spool: { enqueue: () => Promise.reject(new Error('spool disk full')) },
      media: dir,
      now,
    });
    const call = actionCaller(actions, '+4989777888', { language: 'de', now });
    const alice = await call.lookup(ALICE);
    await expect(call.run('welcome new user', alice)).resolves.toBeDefined();
    const after = await aliceSettingsIn(usersFile);
    expect(after.pinHash).toBe(before.pinHash);
    expect(after.welcomeResend).toBe('newPin');
    expect(after.welcomeSentAt).toBe(before.welcomeSentAt);
    expect(after.pinChangedAt).toBe(before.pinChangedAt);
  });
});
