// Caller-ID is whatever the caller (or anyone posing as FreeSWITCH) wrote: 5,000 characters
// of it must not reach log lines, the LDAP search or the mail's headers — and the call works.
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedCaller } from '../../src/sim/index.js';
import { serveEmbedded, type Served } from './served.js';

let box: Served | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('a caller number and name of 5,000 characters', () => {
  it('leave a message whose Subject, From, X- headers and log lines are bounded', async () => {
    box = await serveEmbedded();
    const name = 'Mallory\r\nBcc: victim@example.com ' + 'Ä'.repeat(5000);
    const number = '+4930555123' + '7'.repeat(4989);
    const caller = new ScriptedCaller({ number, name, dialed: '501' })
      .pressWhilePlaying(/standard_greeting/, '0', 500)
      .pressDuring('record', '#', 3000);
    const { events } = await box.call(caller);

    // the call works: greeting, tone, recording, "saved"
    const said = events.flatMap((e) => (e.kind === 'prompt' ? [e.text] : []));
    expect(said).toContain('de:message_saved');
    const mails = await box.voiceMails('alice');
    expect(mails).toHaveLength(1);

    const mail = await simpleParser(mails[0]!);
    // the name as one line of 128 characters
    const shown = `Mallory Bcc: victim@example.com ${'Ä'.repeat(96)}`;
    expect(shown).toHaveLength(128);
    expect(mail.subject).toBe(`Sprachnachricht von ${shown}`);
    expect(mail.from?.value[0]?.name).toBe(shown);
    expect(mail.bcc).toBeUndefined();
    expect(String(mail.headers.get('x-voicebox-caller')).length).toBeLessThanOrEqual(64);
    expect(mail.from?.value[0]?.address?.split('@')[0]?.length).toBeLessThanOrEqual(64);

    // every log line of the call, serve's included, stays short and holds no line break
    expect(box.log.length).toBeGreaterThan(3);
    for (const line of box.log) {
      const text = JSON.stringify(line);
      expect(text.length, text.slice(0, 200)).toBeLessThan(600);
      expect(text).not.toMatch(/Ä{129}|7{60}/);
    }
    const start = box.log.find((l) => l.msg === 'call');
    expect(start?.obj['caller']).toBe(('+4930555123' + '7'.repeat(4989)).slice(0, 64));
  });
});
