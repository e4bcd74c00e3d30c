// The SMTP password never crosses the network in the clear, and no message goes out without the
// login the admin configured — against the lab's Postfix: its plain port offers neither STARTTLS
// nor AUTH (what a downgrade by someone in the path looks like), its submission port asks for
// STARTTLS, then AUTH.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MailSpool, smtpTransport } from '../../../src/mail/index.js';
import type { MailLogger, MailTransport } from '../../../src/mail/index.js';
import { writeWav } from '../../../src/sim/index.js';
import { mailTransportFrom } from '../../../src/cli/services.js';
import { readConfig } from '../../../src/config/index.js';
import { voiceMessageForAlice } from '../../support/mail.js';

const lab = inject('lab');
const root = mkdtempSync(join(tmpdir(), 'voicebox-smtp-auth-'));
const transports: MailTransport[] = [];
afterAll(() => {
  for (const t of transports.splice(0)) t.close();
  rmSync(root, { recursive: true, force: true });
});

/** Bob's message for Alice, a second long, in English. */
function voiceMessage(): { id: string; message: ReturnType<typeof voiceMessageForAlice> } {
  const id = `rec-${randomUUID()}`;
  const wav = join(root, `${id}.wav`);
  writeWav(wav, 1_000, 0);
  return {
    id,
    message: voiceMessageForAlice({
      wav,
      recordingId: id,
      language: 'en',
      recordedAt: new Date(),
      durationMs: 1_000,
    }),
  };
}

/** The transport `voicebox serve` builds from these mail.smtp settings. */
function fromSettings(port: number, extra: string): MailTransport {
  const file = join(root, `voicebox-${randomUUID()}.yaml`);
  writeFileSync(
    file,
    `mail:\n  smtp:\n    host: ${lab.host}\n    port: ${port}\n    user: bob\n    password: bobpw\n${extra}`,
  );
  const t = mailTransportFrom(readConfig(file));
  transports.push(t);
  return t;
}

/** One spool attempt with this transport: what stays in the spool and what was logged. */
async function attempt(transport: MailTransport): Promise<{ id: string; left: string[]; warned: string[] }> {
  const { id, message } = voiceMessage();
  const dir = join(root, `spool-${id}`);
  const warned: string[] = [];
  const noop = () => undefined;
  const log: MailLogger = { info: noop, error: noop, warn: (obj) => warned.push(JSON.stringify(obj)) };
  const spool = new MailSpool({ dir, send: transport.send, logger: log });
  await spool.enqueue(message, id);
  await spool.flush();
  await spool.stop();
  return { id, left: readdirSync(dir).filter((f) => f.endsWith('.json')), warned };
}

describe('SMTP AUTH', () => {
  it('a server that offers no AUTH although a login is configured gets nothing: the message stays spooled', async () => {
    // the admin allowed a login without TLS; the plain port then drops AUTH from its answer
    const { id, left, warned } = await attempt(fromSettings(lab.smtp.port, '    allowPlaintextAuth: true\n'));
    expect(left).toEqual([`${id}.json`]);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/offers no AUTH although mail\.smtp\.user is set.*not sent without logging in/);
    expect(warned[0]).not.toContain('bobpw');
  });

  it('STARTTLS configured and not offered: a clear error, nothing sent unencrypted, the message stays spooled', async () => {
    const { id, left, warned } = await attempt(fromSettings(lab.smtp.port, '    starttls: true\n'));
    expect(left).toEqual([`${id}.json`]);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/refused STARTTLS, which mail\.smtp\.starttls requires.*not sent unencrypted/);
    expect(warned[0]).not.toContain('bobpw');
  });

  it('the transport itself never sends the password over a connection without TLS unless told so', async () => {
    const t = smtpTransport({
      host: lab.host,
      port: lab.smtp.port,
      starttls: false,
      auth: { user: 'bob', pass: 'bobpw' },
      timeoutMs: 5_000,
    });
    transports.push(t);
    const { id, left, warned } = await attempt(t);
    expect(left).toEqual([`${id}.json`]);
    expect(warned[0]).toMatch(/not encrypted and the password is not sent in the clear/);
    expect(warned[0]).not.toContain('bobpw');
  });

  it('over STARTTLS the login and the message go through', async () => {
    const { left } = await attempt(
      fromSettings(lab.smtp.submissionPort, `    starttls: true\n    ca: ${lab.tls.caCert}\n`),
    );
    expect(left).toEqual([]);
  });
});
