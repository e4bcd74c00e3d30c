// A reply the server gives as permanent (5xx) ends the retries: the entry becomes a dead letter in
// dead/, the hook runs once (also across a crash), a restart never resends it; the folder is
// rescanned for entries another process put there, and an entry dropped meanwhile is forgotten.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  composeLockMail,
  dropSpoolEntry,
  findSpoolEntry,
  MailDeliveryError,
  MailSpool,
  PartlyDelivered,
  readSpoolFolder,
  retrySpoolEntry,
} from '../../src/mail/index.js';
import type { DeadLetter, MailSpoolOptions, RawMessage } from '../../src/mail/index.js';
import { cleanUpSpools, scratch, trackSpool, voiceMessage } from './spool-support.js';

afterEach(cleanUpSpools);

// nothing is retried unless the test flushes; the folder is scanned only when the test says so
const noRetry = { firstMs: 3_600_000, maxMs: 3_600_000, factor: 2 };
const spool = (o: MailSpoolOptions): MailSpool =>
  trackSpool(new MailSpool({ retry: noRetry, rescanMs: 0, ...o }));

const refused = (code: number, text: string) =>
  new MailDeliveryError(`SMTP 127.0.0.1:25 did not take it: ${code} ${text}`, code, code >= 500, {
    cause: Object.assign(new Error('Recipient command failed'), {
      response: `${code} ${text}`,
      responseCode: code,
    }),
  });

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []);
/** a dead letter, with when it was told (its `.told` marker) */
const dead = (dir: string, name: string) => {
  const told = join(dir, 'dead', `${name}.told`);
  return {
    ...JSON.parse(readFileSync(join(dir, 'dead', `${name}.json`), 'utf8')),
    ...(existsSync(told) ? JSON.parse(readFileSync(told, 'utf8')) : {}),
  } as {
    attempts: number;
    reason: string;
    responseCode?: number;
    deadAt: number;
    notifiedAt?: number;
    envelope: { to: string[] };
    deliveredTo?: string[];
  };
};

/** a send that refuses `to` addresses listed in `refusals` with that error, and records the rest */
function server(refusals: Record<string, Error> = {}) {
  const sent: RawMessage[] = [];
  const send = vi.fn(async (m: RawMessage) => {
    const error = m.envelope.to.map((to) => refusals[to]).find((e) => e !== undefined);
    if (error) throw error;
    sent.push(m);
  });
  return { sent, send };
}

describe('MailSpool: permanent failures', () => {
  it('a 550 is not retried: the entry moves to dead/ with the reply, attempts and time, and the hook runs once', async () => {
    const { dir, wav } = scratch();
    const s1 = server({
      'alice@example.com': refused(550, '5.1.1 <alice@example.com>: Recipient address rejected'),
    });
    const told: DeadLetter[] = [];
    const s = spool({ dir, send: s1.send, now: () => 1_000_000, onDeadLetter: (i) => void told.push(i) });
    await s.enqueue(voiceMessage(wav, 'rec-dead'), 'rec-dead');
    await s.flush();
    await s.flush(); // a second round finds nothing to send

    expect(s1.send).toHaveBeenCalledTimes(1);
    expect(files(dir)).toEqual([]);
    expect(files(join(dir, 'dead'))).toEqual(['rec-dead.json']);
    expect(statSync(join(dir, 'dead', 'rec-dead.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'dead')).mode & 0o777).toBe(0o700);
    expect(dead(dir, 'rec-dead')).toMatchObject({
      attempts: 1,
      reason: '550 5.1.1 <alice@example.com>: Recipient address rejected',
      responseCode: 550,
      deadAt: 1_000_000,
      notifiedAt: 1_000_000,
    });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      id: 'rec-dead',
      messageId: '<voicebox.rec-dead@example.com>',
      envelope: { to: ['alice@example.com'] },
      reason: '550 5.1.1 <alice@example.com>: Recipient address rejected',
      attempts: 1,
    });
    // the headers a notice may use, decoded; never the body
    expect(told[0]?.headers).toMatchObject({
      Subject: 'Sprachnachricht von Bob Berger (+49301234102)',
      'X-Voicebox-Mailbox': '+49301234501',
      'X-Voicebox-Type': 'voice',
    });
    expect(JSON.stringify(told[0])).not.toMatch(/RIFF|base64/);
    expect(s.pending()).toEqual([]);
  });

  it('a 4xx or a network error stays a retry', async () => {
    const { dir, wav } = scratch();
    const s1 = server({ 'alice@example.com': refused(451, '4.3.0 try again later') });
    const told = vi.fn();
    const s = spool({ dir, send: s1.send, onDeadLetter: told });
    await s.enqueue(voiceMessage(wav, 'rec-4xx'), 'rec-4xx');
    await s.flush();
    await s.flush();
    expect(s1.send).toHaveBeenCalledTimes(2);
    expect(files(dir)).toEqual(['rec-4xx.json']);
    expect(files(join(dir, 'dead'))).toEqual([]);
    expect(told).not.toHaveBeenCalled();
  });

  it("another sender's error carrying a 5xx reply code counts as permanent too", async () => {
    const { dir, wav } = scratch();
    const error = Object.assign(new Error('554 5.7.1 Relay access denied'), { responseCode: 554 });
    const s = spool({ dir, send: vi.fn().mockRejectedValue(error) });
    await s.enqueue(voiceMessage(wav, 'rec-554'), 'rec-554');
    await s.flush();
    expect(files(join(dir, 'dead'))).toEqual(['rec-554.json']);
  });

  it('a restart never resends a dead letter, nor tells of it again', async () => {
    const { dir, wav } = scratch();
    const s1 = server({ 'alice@example.com': refused(550, 'no such user') });
    const told = vi.fn();
    const a = spool({ dir, send: s1.send, onDeadLetter: told });
    await a.enqueue(voiceMessage(wav, 'rec-r'), 'rec-r');
    await a.flush();
    await a.stop();

    const b = spool({ dir, send: s1.send, onDeadLetter: told });
    await b.start();
    await b.flush();
    expect(s1.send).toHaveBeenCalledTimes(1);
    expect(told).toHaveBeenCalledTimes(1);
    expect(b.pending()).toEqual([]);
  });

  it('a crash between writing the dead letter and removing the entry: the restart keeps the dead letter and sends nothing', async () => {
    const { dir, wav } = scratch();
    const s1 = server({ 'alice@example.com': refused(550, 'no such user') });
    const a = spool({ dir, send: s1.send });
    await a.enqueue(voiceMessage(wav, 'rec-c'), 'rec-c');
    const entry = readFileSync(join(dir, 'rec-c.json'));
    await a.flush();
    await a.stop();
    writeFileSync(join(dir, 'rec-c.json'), entry); // as if the process died before the removal

    const b = spool({ dir, send: s1.send });
    await b.start();
    await b.flush();
    expect(s1.send).toHaveBeenCalledTimes(1);
    expect(files(dir)).toEqual([]);
    expect(files(join(dir, 'dead'))).toEqual(['rec-c.json']);
  });

  it('the notice goes out once although the process died after spooling it and before recording it', async () => {
    const { dir, wav } = scratch();
    const s1 = server({ 'alice@example.com': refused(550, 'no such user') });
    let crash = true;
    // the hook spools a notice under an id derived from the dead letter, as voicebox's does
    const hook = (s: () => MailSpool) => async (info: DeadLetter) => {
      await s().enqueue(
        composeLockMail({
          to: { email: 'admin@example.com', name: 'Admin' },
          mailbox: '+49301234501',
          language: 'en',
          lockedAt: new Date(info.deadAt),
          timeZone: 'UTC',
          wrongPins: 0,
          caller: '',
          from: { address: 'voicebox@example.com' },
          messageId: `<voicebox.dead-${info.id}-${info.deadAt}@example.com>`,
        }),
        `dead-${info.id}-${info.deadAt}`,
      );
      if (crash) throw new Error('the process died here');
    };
    const a: MailSpool = spool({ dir, send: s1.send, onDeadLetter: hook(() => a) });
    await a.enqueue(voiceMessage(wav, 'rec-n'), 'rec-n');
    await a.flush(); // the voice message dies; its notice is spooled, "notified" is not written
    expect(dead(dir, 'rec-n').notifiedAt).toBeUndefined();
    await a.stop();

    crash = false;
    const b: MailSpool = spool({ dir, send: s1.send, onDeadLetter: hook(() => b) });
    await b.start();
    await b.flush();
    const c: MailSpool = spool({ dir, send: s1.send, onDeadLetter: hook(() => c) });
    await c.start();
    await c.flush();

    const notices = s1.sent.filter((m) => m.envelope.to.includes('admin@example.com'));
    expect(notices).toHaveLength(1);
    expect(dead(dir, 'rec-n').notifiedAt).toBeTypeOf('number');
  });

  it('partly refused: delivered once to the others, the refused recipients become the dead letter, a restart resends nothing', async () => {
    const { dir, wav } = scratch();
    const delivered: string[] = [];
    const send = vi.fn(async (m: RawMessage) => {
      await Promise.resolve();
      throw new PartlyDelivered(
        'took it for alice only',
        ['alice@example.com'],
        [
          {
            recipient: 'nobody@outside.example.net',
            reply: '554 5.7.1 Relay access denied',
            responseCode: 554,
          },
        ],
      );
      void m;
    });
    const told: DeadLetter[] = [];
    const a = spool({
      dir,
      send,
      onDelivered: (id) => void delivered.push(id),
      onDeadLetter: (i) => void told.push(i),
    });
    await a.enqueue(
      { ...voiceMessage(wav, 'rec-p'), to: ['alice@example.com', 'nobody@outside.example.net'] },
      'rec-p',
    );
    await a.flush();
    await a.stop();
    const b = spool({ dir, send });
    await b.start();
    await b.flush();

    expect(send).toHaveBeenCalledTimes(1);
    expect(delivered).toEqual(['rec-p']); // the recording may go: the message is out
    expect(dead(dir, 'rec-p')).toMatchObject({
      envelope: { to: ['nobody@outside.example.net'] },
      deliveredTo: ['alice@example.com'],
      reason: 'nobody@outside.example.net: 554 5.7.1 Relay access denied',
    });
    expect(told.map((t) => t.envelope.to)).toEqual([['nobody@outside.example.net']]);
  });
});

describe('MailSpool: the folder, steered from outside', () => {
  it('an entry put back by retry is picked up by the next scan and sent; attempts start over', async () => {
    const { dir, wav } = scratch();
    let refuse = true;
    const send = vi.fn(async () => {
      if (refuse) throw refused(550, 'mailbox full for good');
    });
    const s = spool({ dir, send });
    await s.start();
    await s.enqueue(voiceMessage(wav, 'rec-back'), 'rec-back');
    await s.flush();
    expect(files(join(dir, 'dead'))).toEqual(['rec-back.json']);

    refuse = false; // the admin fixed the cause
    const entry = await findSpoolEntry(dir, 'rec-back');
    await retrySpoolEntry(dir, entry!);
    expect((await readSpoolFolder(dir)).map((e) => [e.id, e.state, e.attempts])).toEqual([
      ['rec-back', 'queued', 0],
    ]);
    await s.rescan();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2), { timeout: 10_000 });
    await vi.waitFor(() => expect(files(dir)).toEqual([]), { timeout: 10_000 });
    expect(files(join(dir, 'dead'))).toEqual([]);
  });

  it('the periodic scan (rescanMs) finds an entry another process put into the folder', async () => {
    const { dir, wav } = scratch();
    const send = vi.fn(async () => undefined);
    const writer = spool({ dir, send: vi.fn().mockRejectedValue(new Error('connect ECONNREFUSED')) });
    await writer.enqueue(voiceMessage(wav, 'rec-other'), 'rec-other'); // not taken: stays on disk
    const entry = readFileSync(join(dir, 'rec-other.json'));
    const { dir: dir2 } = scratch();
    mkdirSync(dir2, { recursive: true });
    const s = trackSpool(new MailSpool({ dir: dir2, send, retry: noRetry, rescanMs: 50 }));
    await s.start();
    writeFileSync(join(dir2, 'rec-other.json'), entry);
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });
  });

  it('a waiting entry made due now by retry is attempted at the next scan, not at its back-off', async () => {
    const { dir, wav } = scratch();
    let calls = 0;
    const send = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new Error('connect ECONNREFUSED');
    });
    const s = spool({ dir, send });
    await s.start();
    await s.enqueue(voiceMessage(wav, 'rec-due'), 'rec-due');
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await findSpoolEntry(dir, 'rec-due'))?.attempts).toBe(1), {
      timeout: 10_000,
    });
    await s.rescan(); // knows it, unchanged since: nothing happens
    expect(send).toHaveBeenCalledTimes(1);
    await retrySpoolEntry(dir, (await findSpoolEntry(dir, 'rec-due'))!);
    await s.rescan();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2), { timeout: 10_000 });
  });

  it('an entry dropped while known is forgotten: no crash, no send', async () => {
    const { dir, wav } = scratch();
    const send = vi.fn().mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    const s = spool({ dir, send });
    await s.enqueue(voiceMessage(wav, 'rec-drop'), 'rec-drop');
    await s.flush();
    expect(s.pending()).toEqual(['rec-drop']);
    await dropSpoolEntry(dir, (await findSpoolEntry(dir, 'rec-drop'))!);
    await s.flush();
    await s.rescan();
    expect(send).toHaveBeenCalledTimes(1);
    expect(s.pending()).toEqual([]);
    expect(files(dir)).toEqual([]);
  });

  it('an entry dropped while its send was under way and then failed stays dropped', async () => {
    const { dir, wav } = scratch();
    let fail: (e: Error) => void = () => undefined;
    const send = vi.fn(() => new Promise<void>((_ok, no) => (fail = no)));
    const s = spool({ dir, send });
    await s.enqueue(voiceMessage(wav, 'rec-gone'), 'rec-gone');
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    await dropSpoolEntry(dir, (await findSpoolEntry(dir, 'rec-gone'))!);
    fail(new Error('connect ECONNREFUSED'));
    await vi.waitFor(() => expect(s.pending()).toEqual([]), { timeout: 10_000 });
    expect(files(dir)).toEqual([]);
  });
});
