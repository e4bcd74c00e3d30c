// `menu.max_message`: the longest message a caller may leave is the site's, not a number in the
// menus. A caller who keeps talking is cut off at it, told so, and the message is kept up to there.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maildirTransport } from '../../src/mail/index.js';
import { aliceWithPin, maildirInbox } from '../support/owners.js';
import { startVoicebox, type Voicebox } from './support.js';

const STRANGER = '+4989777888';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function start(menu: Record<string, number>) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-max-message-'));
  const maildir = join(dir, 'maildir');
  const { directory } = await aliceWithPin(dir);
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    menu,
    now: () => new Date('2026-12-01T10:00:00+01:00'),
  });
  const voiceMails = () =>
    maildirInbox(maildir, 'alice').filter((m) => /X-Voicebox-Type: voice/i.test(m.text));
  return { box, voiceMails };
}

/** the lengths of the recordings the call made, in milliseconds */
const recorded = (r: { events: readonly { kind: string; ms?: number }[] }) =>
  r.events.flatMap((e) => (e.kind === 'record' && e.ms !== undefined ? [e.ms] : []));

describe('the longest message (menu.max_message)', () => {
  it('at 5 s, a caller who talks on for a minute is cut off at 5 s, told so, and the 5 s are mailed', async () => {
    const { box, voiceMails } = await start({ max_message: 5_000 });
    const r = await box
      .dial('501')
      .from(STRANGER)
      .hears('standard_greeting')
      .press('0')
      .hearsTone()
      .speaks(60_000)
      .hears('message_limit_reached')
      .hears('message_saved')
      .hangsUp();
    expect(r.said.slice(-2)).toEqual(['message_limit_reached', 'message_saved']);
    const [ms] = recorded(r);
    // FreeSWITCH's record_ms falls a few frames short of the limit, never beyond it
    expect(ms).toBeGreaterThan(4_000);
    expect(ms).toBeLessThanOrEqual(5_000);
    await box.spool.flush();
    const mails = voiceMails();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/X-Voicebox-Duration: [45]\b/i);
  });

  it('at 10 s, a 7 s message ended with # is kept whole, and nothing is said of a limit', async () => {
    const { box } = await start({ max_message: 10_000 });
    const r = await box
      .dial('501')
      .from(STRANGER)
      .hears('standard_greeting')
      .press('0')
      .hearsTone()
      .speaks(7_000)
      .press('#')
      .hears('message_saved')
      .hangsUp();
    expect(r.said).not.toContain('message_limit_reached');
    const [ms] = recorded(r);
    expect(ms).toBeGreaterThan(6_500);
    expect(ms).toBeLessThanOrEqual(7_000);
  });

  it('a caller who falls silent ends the message as before: nothing is said of a limit', async () => {
    const { box } = await start({ max_message: 60_000 });
    const r = await box
      .dial('501')
      .from(STRANGER)
      .hears('standard_greeting')
      .press('0')
      .hearsTone()
      .speaks(3_000)
      .hears('message_saved')
      .hangsUp();
    expect(r.said).not.toContain('message_limit_reached');
    expect(recorded(r)).toHaveLength(1);
  });
});
