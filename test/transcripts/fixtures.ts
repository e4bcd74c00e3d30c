// What the scenarios' site holds: its users, its config, the mails in the owners' mailboxes and
// the greetings they recorded — written into a fresh folder for each call.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import {
  audioDigest,
  buildRawMessage,
  composeVoiceMessage,
  voiceMessageId,
  type MailMessage,
} from '../../src/mail/index.js';
import { writeWav } from '../../src/sim/index.js';

/** The site's key voice messages are signed with (mail.signingKey): 32 bytes, hex. */
export const SIGNING_KEY = '7'.repeat(64);
/** The ixi-UMS gateway an old site's voice, fax and SMS mails come from. */
export const IXI_DOMAIN = 'ixi.example.com';

/** A mailbox owner of the scenarios, as the directory holds her. */
export interface Owner {
  readonly key: string;
  readonly name: string;
  readonly email: string;
  /** canonical, `+49 30 1234501` */
  readonly mailbox: string;
  readonly extension: string;
  readonly language: string;
  readonly office: string;
  readonly mobile: string;
  readonly pin: string;
  /** `hashPin(pin)`, made once: a PIN is never made up by a welcome mail in a transcript */
  readonly pinHash: string;
  /** user data (`KEY=VALUE`) besides the PIN and the welcome mail */
  readonly settings: readonly string[];
}

export const ALICE: Owner = {
  key: 'alice',
  name: 'Alice Anders',
  email: 'alice@example.com',
  mailbox: '+49 30 1234501',
  extension: '501',
  language: 'de',
  office: '+49 30 1234101',
  mobile: '+49 170 1000001',
  pin: '2468',
  pinHash: 'scrypt$32768$8$5$wXzAn6PCBXCzrQuBAX6RzQ==$H5x2S+1N5wRmrLCz1IRSgFkYr5mZsj8zsQpIOvGYXfM=',
  settings: ['profile=work'],
};

export const EMMA: Owner = {
  key: 'emma',
  name: 'Emma Evans',
  email: 'emma@example.com',
  mailbox: '+49 30 1234503',
  extension: '503',
  language: 'en',
  office: '+49 30 1234103',
  mobile: '+49 170 1000003',
  pin: '1357',
  pinHash: 'scrypt$32768$8$5$8EEHfBb++JwxsE/CQa6Gxg==$xFNIu6tsYQqQTUdV88iaXRGXftOvsOGytahoRD7Fm58=',
  settings: ['profile=work'],
};

/** Dave's mailbox is switched off. */
export const DAVE: Owner = {
  ...ALICE,
  key: 'dave',
  name: 'Dave Dorn',
  email: 'dave@example.com',
  mailbox: '+49 30 1234504',
  extension: '504',
  office: '+49 30 1234104',
  mobile: '+49 170 1000004',
  settings: ['enabled=N'],
};

/** Frank may not log in by phone at all (access=none). */
export const FRANK: Owner = {
  ...ALICE,
  key: 'frank',
  name: 'Frank Fischer',
  email: 'frank@example.com',
  mailbox: '+49 30 1234506',
  extension: '506',
  office: '+49 30 1234106',
  mobile: '+49 170 1000006',
  settings: ['access=none'],
};

export const OWNERS: readonly Owner[] = [ALICE, EMMA, DAVE, FRANK];

/** users.yaml (src/directory/README.md), each owner's user data changed by `settings`. */
export function usersYaml(settings: (o: Owner) => readonly string[] = () => []): string {
  const users: Record<string, unknown> = {};
  for (const o of OWNERS) {
    users[o.key] = {
      name: o.name,
      email: o.email,
      mailbox: o.mailbox,
      numbers: { office: o.office, mobile: o.mobile },
      settings: [
        `language=${o.language}`,
        `pinHash=${o.pinHash}`,
        'welcomeSentAt=2027-01-04T09:00:00.000Z',
        'pinChangedAt=2027-01-04T09:00:00.000Z',
        ...o.settings,
        ...settings(o),
      ],
    };
  }
  return dump({ users });
}

/** A mail in an owner's Maildir: read (`seen`) or new. */
export interface MailFixture {
  readonly seen?: boolean;
  readonly message: (o: {
    audio: string;
    owner: Owner;
  }) => Promise<MailMessage | { signedVoice: true; message: MailMessage }>;
}

/** A voice message as voicebox sends it: signed with the site's key, for `owner`'s mailbox. */
export function voiceMessage(o: {
  from: string;
  name?: string;
  at: string;
  seconds?: number;
  seen?: boolean;
}): MailFixture {
  return {
    ...(o.seen ? { seen: true } : {}),
    message: async ({ audio, owner }) => ({
      signedVoice: true,
      message: composeVoiceMessage({
        to: { email: owner.email, name: owner.name, language: owner.language },
        mailbox: owner.mailbox,
        caller: { number: o.from, name: o.name ?? '' },
        recordedAt: new Date(o.at),
        durationMs: (o.seconds ?? 4) * 1000,
        wav: { path: audio },
        domain: 'example.com',
        timeZone: 'Europe/Berlin',
        messageId: voiceMessageId(`transcript-${o.at}`, 'example.com'),
        signature: { key: Buffer.from(SIGNING_KEY, 'hex'), audioDigest: audioDigest(readFileSync(audio)) },
      }),
    }),
  };
}

/** An e-mail from a person. */
export function eMail(o: {
  from: string;
  subject: string;
  body: string;
  at: string;
  seen?: boolean;
}): MailFixture {
  return {
    ...(o.seen ? { seen: true } : {}),
    message: async ({ owner }) => ({
      from: o.from,
      to: owner.email,
      subject: o.subject,
      text: o.body,
      date: new Date(o.at),
      messageId: `<${o.at.replace(/\D/g, '')}.mail@example.org>`,
    }),
  };
}

/**
 * A mail from the ixi-UMS gateway a site moves from: `+4989…@voc.`, `fax.` or `sms.` its domain,
 * a voice message with its audio attached, a fax with its pages, an SMS as text.
 */
export function ixiMail(o: {
  kind: 'voc' | 'fax' | 'sms';
  from: string;
  subject: string;
  body: string;
  at: string;
  seen?: boolean;
}): MailFixture {
  return {
    ...(o.seen ? { seen: true } : {}),
    message: async ({ audio, owner }) => ({
      from: `${o.from}@${o.kind}.${IXI_DOMAIN}`,
      to: owner.email,
      subject: o.subject,
      text: o.body,
      date: new Date(o.at),
      messageId: `<${o.at.replace(/\D/g, '')}.${o.kind}@${IXI_DOMAIN}>`,
      ...(o.kind === 'voc'
        ? { attachments: [{ filename: 'message.wav', path: audio, contentType: 'audio/wav' }] }
        : o.kind === 'fax'
          ? {
              attachments: [
                { filename: 'fax.pdf', content: '%PDF-1.4\n%%EOF\n', contentType: 'application/pdf' },
              ],
            }
          : {}),
    }),
  };
}

/**
 * The owner's Maildir (`<root>/<mailbox>/{new,cur}`) with `mails`, under names of their own
 * (no clock, no random part: the same messages get the same ids on every run).
 */
export async function fillMaildir(
  root: string,
  owner: Owner,
  mails: readonly MailFixture[],
  audio: string,
): Promise<void> {
  const dir = join(root, owner.email.split('@')[0]!);
  for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(dir, sub), { recursive: true });
  let n = 0;
  for (const mail of mails) {
    const made = await mail.message({ audio, owner });
    const message = 'signedVoice' in made ? made.message : made;
    const { raw } = await buildRawMessage(message);
    n++;
    const name = `100000${n}.transcript`;
    writeFileSync(mail.seen ? join(dir, 'cur', `${name}:2,S`) : join(dir, 'new', name), raw);
  }
}

/** `seconds` of a 440 Hz tone standing for someone speaking, as a WAV file. */
export function speechWav(path: string, seconds: number): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeWav(path, seconds * 1000, 0);
  return path;
}
