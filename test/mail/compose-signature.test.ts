// The signature on voice messages: it names the message, its voice headers and its audio, and
// only the site's key makes it. The key file is made once, owner-only, and shared by restarts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  audioDigest,
  buildRawMessage,
  composeVoiceMessage,
  fileAudioDigest,
  loadSigningKey,
  signingKeyBytes,
  verifyVoiceFields,
  VOICEBOX_HEADERS,
  type SignedVoiceFields,
} from '../../src/mail/index.js';
import { header, parseHeaders, splitHeaderBody } from '../../src/mailbox/index.js';

const KEY = Buffer.alloc(32, 3);
const scratch = () => mkdtempSync(join(tmpdir(), 'voicebox-sign-'));

function signed(audio: Buffer, key: Uint8Array = KEY) {
  const dir = scratch();
  writeFileSync(join(dir, 'rec.wav'), audio);
  return composeVoiceMessage({
    to: { email: 'alice@example.com', name: 'Alice Anders', language: 'de' },
    mailbox: '+49301234501',
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date('2026-03-02T10:00:00.250Z'),
    durationMs: 12_400,
    wav: { path: join(dir, 'rec.wav') },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: '<voicebox.rec-1@example.com>',
    signature: { key, audioDigest: audioDigest(audio) },
  });
}

/** the fields as the mailbox reads them back from the mail's own bytes */
async function fieldsOf(message: ReturnType<typeof signed>) {
  const raw = (await buildRawMessage(message)).raw;
  const h = parseHeaders(splitHeaderBody(raw).header);
  const get = (name: string) => header(h, name) ?? '';
  const fields: SignedVoiceFields = {
    messageId: get('message-id'),
    type: get('x-voicebox-type'),
    caller: get('x-voicebox-caller'),
    duration: get('x-voicebox-duration'),
    mailbox: get('x-voicebox-mailbox'),
    callerName: get('x-voicebox-caller-name'),
    date: get('date'),
  };
  return { fields, signature: get('x-voicebox-signature') };
}

describe('the signature on a voice message', () => {
  it('verifies from the sent bytes with the site key and names the audio', async () => {
    const audio = randomBytes(4000);
    const { fields, signature } = await fieldsOf(signed(audio));
    expect(signature).toMatch(/^v2; audio=[A-Za-z0-9_-]{43}; sig=[A-Za-z0-9_-]{43}$/);
    expect(verifyVoiceFields(KEY, fields, signature)).toBe(audioDigest(audio));
  });

  it('fails for another key, a changed caller, date, type or Message-ID, or no key at all', async () => {
    const { fields, signature } = await fieldsOf(signed(randomBytes(100)));
    expect(verifyVoiceFields(Buffer.alloc(32, 4), fields, signature)).toBeUndefined();
    expect(verifyVoiceFields(undefined, fields, signature)).toBeUndefined();
    for (const change of [
      { caller: '+4990012345678' },
      { date: 'Mon, 02 Mar 2026 10:00:01 +0000' },
      { type: 'fax' },
      { messageId: '<voicebox.rec-2@example.com>' },
      { mailbox: '+49301234502' },
      { callerName: 'Der Chef' },
    ]) {
      expect(verifyVoiceFields(KEY, { ...fields, ...change }, signature)).toBeUndefined();
    }
  });

  it('cannot be moved onto other audio: the digest it vouches for is the signed audio only', async () => {
    const audio = randomBytes(1000);
    const { fields, signature } = await fieldsOf(signed(audio));
    const other = randomBytes(1000);
    expect(verifyVoiceFields(KEY, fields, signature)).not.toBe(audioDigest(other));
    // and a signature that claims the other audio does not verify
    const forgedHeader = signature.replace(/audio=[^;]+/, `audio=${audioDigest(other)}`);
    expect(verifyVoiceFields(KEY, fields, forgedHeader)).toBeUndefined();
  });

  it('malformed headers are no signature, never an exception', async () => {
    const { fields } = await fieldsOf(signed(randomBytes(10)));
    for (const bad of [
      '',
      'v1',
      'v2; audio=x; sig=y',
      `v1; audio=${'A'.repeat(43)}; sig=${'!'.repeat(43)}`,
    ]) {
      expect(verifyVoiceFields(KEY, fields, bad)).toBeUndefined();
    }
  });

  it('the welcome mail and an unsigned voice message carry no signature', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'r.wav'), 'x');
    const unsigned = composeVoiceMessage({
      to: { email: 'a@example.com', name: 'A', language: 'en' },
      mailbox: '+49301234501',
      caller: {},
      recordedAt: new Date(),
      durationMs: 1000,
      wav: { path: join(dir, 'r.wav') },
      domain: 'example.com',
      timeZone: 'UTC',
      messageId: '<voicebox.x@example.com>',
    });
    expect(unsigned.headers).not.toHaveProperty(VOICEBOX_HEADERS.signature);
  });

  it('the digest of a file is the digest of its bytes', async () => {
    const dir = scratch();
    const bytes = randomBytes(300_000);
    writeFileSync(join(dir, 'a.wav'), bytes);
    expect(await fileAudioDigest(join(dir, 'a.wav'))).toBe(audioDigest(bytes));
  });
});

describe('the site key', () => {
  it('mail.signingKey: 64 hex digits or base64 of 32 bytes; anything else names the key, not the value', () => {
    expect(signingKeyBytes('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(signingKeyBytes(Buffer.alloc(32, 9).toString('base64'))).toEqual(Buffer.alloc(32, 9));
    expect(() => signingKeyBytes('tooshort-secret')).toThrow('mail.signingKey: expected 32 bytes');
    expect(() => signingKeyBytes('tooshort-secret')).not.toThrow(/tooshort/);
  });

  it('unset: made once in an owner-only file, the same after a restart and for two starts at once', async () => {
    const file = join(scratch(), 'state', 'voicebox-signing.key');
    const [a, b] = await Promise.all([loadSigningKey({ file }), loadSigningKey({ file })]);
    expect(a).toHaveLength(32);
    expect(b).toEqual(a);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadSigningKey({ file })).toEqual(a);
    expect(readFileSync(file, 'utf8').trim()).toBe(a.toString('hex'));
  });

  it('a new key is on the disk before it has its name, and its folder entry after', async () => {
    const dir = join(scratch(), 'state');
    const file = join(dir, 'voicebox-signing.key');
    // FileHandle is not exported: its prototype from a handle of our own
    const probe = await open(join(scratch(), 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const synced = vi.spyOn(proto, 'sync');
    try {
      await loadSigningKey({ file });
      // the key file's data, then the folder's entry for it
      expect(synced.mock.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      synced.mockRestore();
    }
  });

  it('an empty or short key file (a power cut before it reached the disk): the error names the file and what to do', async () => {
    for (const content of ['', 'abc1\n']) {
      const file = join(scratch(), 'voicebox-signing.key');
      writeFileSync(file, content, { mode: 0o600 });
      const failure = await loadSigningKey({ file }).catch((e: unknown) => e as Error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toContain(file);
      expect((failure as Error).message).toMatch(/Restore it from a backup/);
      expect((failure as Error).message).toMatch(/mail\.signingKey/);
      expect((failure as Error).message).not.toContain('abc1');
    }
  });

  it('a configured key wins over the file', async () => {
    const file = join(scratch(), 'voicebox-signing.key');
    expect(await loadSigningKey({ configured: 'cd'.repeat(32), file })).toEqual(Buffer.alloc(32, 0xcd));
  });
});
