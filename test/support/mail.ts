// Bob's voice message for Alice, composed as voicebox composes the messages it sends; Carol's
// plain e-mail; and delivery into a Maildir as the local transport delivers.
import { randomBytes } from 'node:crypto';
import { composeVoiceMessage, maildirTransport, voiceMessageId } from '../../src/mail/index.js';
import { aliceOwner, aliceRecipient } from './owners.js';

export interface VoiceMessageFixture {
  /** the recording attached */
  readonly wav: string;
  /** the recording's id: the Message-ID is made from it, as for a call's message */
  readonly recordingId: string;
  /** Alice's language (default de) */
  readonly language?: string;
  /** default 10 March 2020, 14:21:05 UTC */
  readonly recordedAt?: Date;
  /** default 3 s */
  readonly durationMs?: number;
  /** signed with the site's key over that audio's digest, as voicebox signs what it sends */
  readonly signature?: { readonly key: Uint8Array; readonly audioDigest: string };
}

/** Bob Berger (+49301234102) for Alice Anders, mailbox +49301234501, on example.com. */
export function voiceMessageForAlice(o: VoiceMessageFixture): ReturnType<typeof composeVoiceMessage> {
  return composeVoiceMessage({
    to: { ...aliceRecipient, language: o.language ?? 'de' },
    mailbox: aliceOwner.number,
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: o.recordedAt ?? new Date(Date.UTC(2020, 2, 10, 14, 21, 5)),
    durationMs: o.durationMs ?? 3_000,
    wav: { path: o.wav },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: voiceMessageId(o.recordingId, 'example.com'),
    ...(o.signature ? { signature: o.signature } : {}),
  });
}

/** Delivers a raw message into `<root>/alice/new`, as the Maildir transport does. */
export async function deliverToAlice(root: string, raw: Buffer): Promise<void> {
  await maildirTransport({ root }).send({
    id: randomBytes(4).toString('hex'),
    messageId: '<x@y>',
    envelope: { from: 'sender@example.com', to: ['alice@example.com'] },
    raw,
  });
}

/** A plain e-mail from Carol Chen to Alice, 14 Nov 2023 (newer than Bob's voice message). */
export const emailFromCarol = (subject: string): Buffer =>
  Buffer.from(
    [
      'From: Carol Chen <carol@example.com>',
      'To: alice@example.com',
      `Subject: ${subject}`,
      'Date: Tue, 14 Nov 2023 10:00:00 +0100',
      `Message-ID: <${randomBytes(6).toString('hex')}@example.com>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello Alice.',
      '',
    ].join('\r\n'),
  );
