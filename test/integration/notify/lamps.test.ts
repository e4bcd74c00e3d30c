// The lamps and the SMS end to end in the lab: voicebox as `serve` builds it over the real Dovecot
// and Postfix, FreeSWITCH's inbound side simulated (every MESSAGE_WAITING the phones got is in
// sim.lamps). How each change reaches voicebox is said at each test: its own delivery of a message
// left by phone ("delivery"), or the periodic check ("poll", every 200 ms here). The lab's push
// port belongs to push.test.ts. The owners, nora and noah, are the lab's mailboxes of these tests'
// own, listed in a users file in this test's temp dir (no LDAP entry): no other test's users, mail
// or reset mailbox (`lamps-off` here) change under these tests, nor these tests under theirs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VoiceboxConfig } from '../../../src/config/index.js';
import { YamlDirectory } from '../../../src/directory/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { Simulator, type Lamp } from '../../../src/sim/index.js';
import { imapClient, labTls, withImap } from '../lab/support.js';
import {
  entryOf,
  GATEWAY,
  herVoiceMessages,
  inHerInbox,
  labConfig,
  lampsOf,
  noah,
  nora,
  removeTestMessages,
  shown,
  startVoicebox,
  writeUsersFile,
  type LabUser,
  type Voicebox,
} from './support.js';

const lab = inject('lab');
/** this run's numbers: every message the tests make names it in its From (and is removed by it) */
const TAG = String(1_000_000 + (Date.now() % 1_000_000)).slice(1);
let calls = 0;
/** a caller's number of this run: voicebox writes it into the From of her message */
const caller = () => `+49897${TAG}${++calls % 10}`;
const PIN = '2468';
/** she calls from her mobile, which she does not trust: she needs her PIN */
const HER_MOBILE = '+4989444555';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-lamps-it-'));
/** the directory of every voicebox here: nora and noah (support.ts writeUsersFile) */
const USERS = join(dir, 'users.yaml');
/** mail.signingKey: the same on every voicebox of these tests */
const KEY = randomBytes(32).toString('hex');
const sim = new Simulator({ missingFiles: 'default-length' });
let inboundPort = 0;
const running: Voicebox[] = [];

/**
 * Her counts start afresh now (as entering her messages does), her SMS counts cleared; her PIN
 * set — in the users file, as voicebox writes it (the YAML adapter, under its lock).
 */
async function freshStart(u: LabUser): Promise<void> {
  await removeTestMessages(lab, u, TAG);
  const directory = new YamlDirectory({ file: USERS });
  try {
    const user = await directory.findByNumber([u.mailbox]);
    const pinHash = await hashPin(PIN);
    await directory.updateSettings(user!, ({ smsNotified: _cleared, ...s }) => ({
      ...s,
      pinHash,
      wrongPinCount: 0,
      notifyResetAt: new Date().toISOString(),
    }));
  } finally {
    await directory.close();
  }
}

async function voicebox(name: string, change: (c: VoiceboxConfig) => void): Promise<Voicebox> {
  const vb = await startVoicebox(sim, inboundPort, labConfig(lab, dir, USERS, name, KEY, change), name);
  running.push(vb);
  return vb;
}

/**
 * The first lamp of hers from `from` on (an index in sim.lamps) that matches; fails after `ms`
 * naming the lamps she got — a guard against a lamp that never comes, not a wait for one.
 */
function lampOf(u: LabUser, match: (l: Lamp) => boolean, from: number, ms = 15_000): Promise<Lamp> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    sim.waitForLamp((l) => l.account === u.lamp && match(l), { from }).finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no such lamp for ${u.lamp} within ${ms} ms; hers from ${from}: ${
                sim.lamps
                  .slice(from)
                  .filter((l) => l.account === u.lamp)
                  .map(shown)
                  .join(', ') || 'none'
              }`,
            ),
          ),
        ms,
      );
    }),
  ]);
}

/** A caller leaves her a message of 3 s through the menus, on this voicebox. */
async function leaveMessage(vb: Voicebox, u: LabUser): Promise<string> {
  const from = caller();
  const call = await vb
    .dial(u.mailbox)
    .from(from)
    .hears('standard_greeting')
    .hearsTone()
    .speaks(3000)
    .press('#')
    .hears('message_saved');
  expect(call.said.at(-1)).toBe('message_saved');
  return from;
}

/** She calls in, logs in with her PIN and enters her messages (the summary starts), then hangs up. */
async function entersHerMessages(vb: Voicebox, u: LabUser): Promise<void> {
  await vb
    .dial(u.mailbox)
    .from(HER_MOBILE)
    .hears('standard_greeting')
    .press('*')
    .hears('enter_pin')
    .types(`${PIN}#`)
    .hears('main_menu')
    .press('1')
    .hears('you_have')
    .hangsUp();
}

/** The notifier log's lamp lines of hers: `state reason`. */
async function loggedLamps(vb: Voicebox, u: LabUser): Promise<string[]> {
  await vb.services.notifications.notifierLog.flush();
  let text: string;
  try {
    text = readFileSync(vb.config.notify.log, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { kind: string; account?: string; state?: string; reason?: string })
    .filter((l) => l.kind === 'lamp' && l.account === u.lamp)
    .map((l) => `${l.state} ${l.reason}`);
}

beforeAll(async () => {
  inboundPort = (await sim.listenInbound({ port: 0, password: 'ClueCon' })).port;
  writeUsersFile(USERS);
});

afterEach(async () => {
  for (const vb of running.splice(0)) await vb.close();
});

afterAll(async () => {
  await sim.close();
  for (const u of [noah, nora]) await removeTestMessages(lab, u, TAG);
  rmSync(dir, { recursive: true, force: true });
});

describe('the lamp of a message left by phone', () => {
  it('lights (yes 1/0) by voicebox’s own delivery alone, and goes out when she enters her messages', async () => {
    await freshStart(noah);
    // no periodic check: only voicebox's own delivery can tell the notifier
    const vb = await voicebox('own-delivery', (c) => {
      c.notify.watch.pollIntervalMs = 0;
      c.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
    });
    expect(lampsOf(sim, noah).at(-1)).toBe('no 0/0'); // the reconcile at connection
    const from = sim.lamps.length;

    await leaveMessage(vb, noah);
    const lit = await lampOf(noah, (l) => l.waiting, from);
    expect(lit.headers).toContainEqual(['Voice-Message', '1/0 (0/0)']);
    expect(lit.headers).toContainEqual(['Messages-Waiting', 'yes']);

    const entered = sim.lamps.length;
    await entersHerMessages(vb, noah);
    await lampOf(noah, (l) => !l.waiting, entered);
    // her message is still unseen (she did not listen to it), but she knows of it: the lamp is out
    expect(lampsOf(sim, noah).at(-1)).toBe('no 1/0');
    // each change of state with its reason; a state may go out twice in a row (the delivery is
    // checked at once — before the mail server stored it, on a busy machine — and again when it landed)
    const logged = await loggedLamps(vb, noah);
    const state = (l: string | undefined) => l?.split(' ')[0];
    expect(logged.filter((l, i) => state(l) !== state(logged[i - 1]))).toEqual([
      'no reconcile',
      'yes arrived',
      'no seen',
    ]);
  });
});

describe('a fax delivered by Postfix', () => {
  it('lights her lamp by the fax threshold (voice 5, fax 1) — poll', async () => {
    await freshStart(nora);
    const vb = await voicebox('fax', (c) => {
      c.notify.thresholds = { voice: 5, fax: 1, sms: 1 };
    });
    const from = sim.lamps.length;
    // a fax server's mail, through the lab's Postfix into her Dovecot INBOX
    await nodemailer
      .createTransport({ host: lab.host, port: lab.smtp.port, secure: false, ignoreTLS: true })
      .sendMail({
        from: `+49309${TAG}1@fax.${GATEWAY}`,
        to: 'nora@example.com',
        subject: `Fax from +49 30 9${TAG}1`,
        text: 'one page',
      });
    const lit = await lampOf(nora, (l) => l.waiting, from);
    expect(lit.headers).toContainEqual(['Fax-Message', '1/0 (0/0)']);
    expect(lit.voice).toMatchObject({ new: 0 }); // no voice message: the fax did it
    await vb.settled();
    // and it stays lit while the fax is unseen
    const after = lampsOf(sim, nora).slice(lampsOf(sim, nora).indexOf('yes 0/0', 0));
    expect(after.every((l) => l === 'yes 0/0')).toBe(true);
    expect((await loggedLamps(vb, nora)).at(-1)).toBe('yes changed');
  });
});

describe('a voice message deleted in a mail program', () => {
  it('the last unseen one deleted with an IMAP client turns the lamp off — delivery, then poll', async () => {
    await freshStart(noah);
    const vb = await voicebox('deleted', (c) => {
      c.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
    });
    const from = sim.lamps.length;
    const sender = await leaveMessage(vb, noah);
    await lampOf(noah, (l) => l.waiting && l.voice?.new === 1, from);

    const deleted = sim.lamps.length;
    await inHerInbox(lab, noah, async (c) => {
      const uids = (await c.search({ from: sender }, { uid: true })) || [];
      expect(uids).toHaveLength(1);
      await c.messageDelete(uids.join(','), { uid: true });
    });
    const out = await lampOf(noah, (l) => !l.waiting, deleted);
    expect(shown(out)).toBe('no 0/0');
    await vb.settled();
    expect(lampsOf(sim, noah).at(-1)).toBe('no 0/0');
  });
});

/** An SMS gateway of the test's own: what it was sent. */
async function smsGateway(): Promise<{
  server: Server;
  url: string;
  got: Array<{ key: string; body: string }>;
}> {
  const got: Array<{ key: string; body: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      got.push({ key: String(req.headers['idempotency-key'] ?? ''), body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/sms`, got };
}

/** The stand-in provider's mails to her number (`smsgw`, every address @sms.example.com). */
async function smsMailsTo(u: LabUser): Promise<string[]> {
  return withImap(imapClient(lab, 'smsgw', 'smsgwpw'), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const uids =
        (await c.search({ header: { to: `${u.mobileDigits}@sms.example.com` } }, { uid: true })) || [];
      const ids: string[] = [];
      if (uids.length === 0) return ids;
      for await (const m of c.fetch(uids.join(','), { envelope: true }, { uid: true }))
        ids.push(m.envelope?.messageId ?? '');
      return ids;
    } finally {
      lock.release();
    }
  });
}

describe('the SMS', () => {
  it('reaches an HTTP gateway exactly once — delivery and poll', async () => {
    await freshStart(nora);
    const gateway = await smsGateway();
    try {
      const vb = await voicebox('sms-http', (c) => {
        c.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
        c.notify.sms.enabled = true;
        c.notify.sms.gateway = 'http';
        c.notify.sms.http.url = gateway.url;
      });
      const sender = await leaveMessage(vb, nora);
      await vb.settled();
      await vb.settled(); // and more rounds of the periodic check: still once
      expect(gateway.got).toHaveLength(1);
      const sms = JSON.parse(gateway.got[0]!.body) as { to: string; text: string };
      expect(sms.to).toBe(`+${nora.mobileDigits}`);
      // nora has no language of her own: the site's (German)
      expect(sms.text).toMatch(/^1 neue Sprachnachricht, zuletzt von \+49 89/);
      expect(sms.text.replace(/\D/g, '')).toContain(sender.replace(/\D/g, '').slice(4));
      expect(gateway.got[0]!.key).not.toBe('');
    } finally {
      await new Promise((r) => gateway.server.close(r));
    }
  });

  it('reaches the e-mail-to-SMS address in Dovecot exactly once — delivery and poll', async () => {
    await freshStart(nora);
    const earlier = new Set(await smsMailsTo(nora));
    const vb = await voicebox('sms-mail', (c) => {
      c.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
      c.notify.sms.enabled = true;
      c.notify.sms.gateway = 'mail';
      c.notify.sms.mailAddress = '$(MOBILE)@sms.example.com';
    });
    await leaveMessage(vb, nora);
    await vb.settled();
    // Postfix delivers to the provider's mailbox on its own time: wait for the first, then for more rounds
    let fresh: string[] = [];
    for (let round = 0; round < 50 && fresh.length === 0; round++) {
      fresh = (await smsMailsTo(nora)).filter((id) => !earlier.has(id));
      if (fresh.length === 0) await vb.settled();
    }
    await vb.settled();
    expect((await smsMailsTo(nora)).filter((id) => !earlier.has(id))).toEqual([fresh[0]]);
    expect(fresh[0]).toMatch(/^<voicebox\.sms\./);
  });
});

describe('two voicebox processes over one directory and lab', () => {
  it('never leave a lamp that contradicts her mailbox — delivery on either, poll on both', async () => {
    await freshStart(noah);
    const thresholds = (c: VoiceboxConfig) => {
      c.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
    };
    const a = await voicebox('two-a', thresholds);
    const b = await voicebox('two-b', thresholds);
    const both = async () => {
      await Promise.all([a.settled(), b.settled()]);
    };
    /** once both settled: the last lamp of hers is what her mailbox shows */
    const agrees = async (step: string, expected: string): Promise<void> => {
      await both();
      const shows = await herVoiceMessages(
        lab,
        noah,
        TAG,
        (await entryOf(USERS, noah)).settings.notifyResetAt,
      );
      const truth = `${shows.unseenSinceReset > 0 ? 'yes' : 'no'} ${shows.new}/${shows.old}`;
      expect({ step, lamp: lampsOf(sim, noah).at(-1) }).toEqual({ step, lamp: truth });
      expect({ step, lamp: truth }).toEqual({ step, lamp: expected });
      // and nothing contradicting it comes later, from either
      const from = sim.lamps.length;
      await both();
      const later = sim.lamps
        .slice(from)
        .filter((l) => l.account === noah.lamp)
        .map(shown)
        .filter((s) => s !== truth);
      expect({ step, later }).toEqual({ step, later: [] });
    };

    const first = await leaveMessage(a, noah);
    await agrees('a message arrives (left on a)', 'yes 1/0');

    await inHerInbox(lab, noah, async (c) => {
      const uids = (await c.search({ from: first }, { uid: true })) || [];
      await c.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true });
    });
    await agrees('read in a mail program', 'no 0/1');

    await leaveMessage(b, noah);
    await agrees('a new one (left on b)', 'yes 1/1');

    await entersHerMessages(a, noah);
    await agrees('seen by phone on a', 'no 1/1');

    const third = await leaveMessage(b, noah);
    await agrees('another one (left on b)', 'yes 2/1');

    await inHerInbox(lab, noah, async (c) => {
      const uids = (await c.search({ from: third }, { uid: true })) || [];
      await c.messageDelete(uids.join(','), { uid: true });
    });
    await agrees('that one deleted', 'no 1/1');

    await inHerInbox(lab, noah, async (c) => {
      const uids = (await c.search({ from: TAG }, { uid: true })) || [];
      await c.messageDelete(uids.join(','), { uid: true });
    });
    await agrees('all deleted', 'no 0/0');
    expect([...a.logged, ...b.logged].filter((l) => l['level'] === 'error')).toEqual([]);
  }, 150_000);
});

describe('the reset mail', () => {
  it('from her, through the submission port, resets her counts and puts her lamp out — poll', async () => {
    await freshStart(nora);
    const vb = await voicebox('reset-mail', (c) => {
      c.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
      // the reset mailbox of these tests' own (reset-mail.test.ts drains notifier-off)
      c.notify.reset.mailbox = 'lamps-off';
    });
    const from = sim.lamps.length;
    await leaveMessage(vb, nora);
    await lampOf(nora, (l) => l.waiting, from);
    const resetBefore = (await entryOf(USERS, nora)).settings.notifyResetAt;

    const asked = sim.lamps.length;
    await nodemailer
      .createTransport({
        host: lab.host,
        port: lab.smtp.submissionPort,
        secure: false,
        requireTLS: true,
        tls: labTls(lab),
        auth: { user: 'nora', pass: 'norapw' },
      })
      .sendMail({ from: 'nora@example.com', to: 'lamps-off@example.com', subject: 'off', text: '' });
    const out = await lampOf(nora, (l) => !l.waiting, asked);
    expect(shown(out)).toBe('no 1/0'); // the message is still unseen; the lamp is out
    expect((await entryOf(USERS, nora)).settings.notifyResetAt).not.toBe(resetBefore);
    expect((await loggedLamps(vb, nora)).at(-1)).toBe('no reset');
  });
});
