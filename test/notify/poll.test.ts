// The periodic mailbox check: rounds driven by hand-held timers, mailboxes whose fingerprints a
// test changes (the Maildir adapter and IMAP are exercised in test/integration/notify).
import { describe, expect, it } from 'vitest';
import { MailboxPoll, type MailboxChange, type PollTarget, type PollTimers } from '../../src/notify/index.js';
import { recordingLogger } from '../support/log.js';

/** Timers that fire only when the test says so. */
function handTimers(): PollTimers & { due: Array<{ run: () => void; ms: number }>; fire(): void } {
  const due: Array<{ run: () => void; ms: number }> = [];
  return {
    due,
    setTimeout(run, ms) {
      const t = { run, ms };
      due.push(t);
      return t;
    },
    clearTimeout(handle) {
      const i = due.indexOf(handle as (typeof due)[number]);
      if (i >= 0) due.splice(i, 1);
    },
    fire() {
      const t = due.shift();
      if (!t) throw new Error('no round is due');
      t.run();
    },
  };
}

const target = (login: string): PollTarget => ({
  login,
  owner: { mailbox: login, email: `${login}@example.com` },
});

function setup(logins: string[], options: { concurrency?: number; intervalMs?: number } = {}) {
  const prints = new Map<string, string | Error>(logins.map((l) => [l, `${l}:1`]));
  let users = logins.map(target);
  const changes: MailboxChange[] = [];
  const timers = handTimers();
  const logged = recordingLogger();
  let inFlight = 0;
  let maxInFlight = 0;
  let gate: Promise<void> = Promise.resolve();
  const poll = new MailboxPoll({
    list: async () => users,
    fingerprint: async (owner) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate;
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const p = prints.get(owner.mailbox);
      if (p instanceof Error) throw p;
      return p ?? 'none';
    },
    onChange: (c) => {
      changes.push(c);
    },
    intervalMs: options.intervalMs ?? 900_000,
    concurrency: options.concurrency ?? 8,
    log: logged.log,
    timers,
  });
  return {
    poll,
    prints,
    changes,
    timers,
    logged,
    setUsers: (l: string[]) => (users = l.map(target)),
    maxInFlight: () => maxInFlight,
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return release;
    },
    /** lets the round the last timer started finish */
    settle: async () => {
      while (timers.due.length === 0) await new Promise((r) => setImmediate(r));
    },
  };
}

const logins = (changes: MailboxChange[]): string[] => changes.map((c) => c.login).sort();

describe('the periodic mailbox check', () => {
  it('reports every mailbox in its first round (the reconcile at start), then only those that changed', async () => {
    const t = setup(['alice', 'bob', 'carol']);
    t.poll.start();
    await t.settle();
    expect(logins(t.changes)).toEqual(['alice', 'bob', 'carol']);
    expect(t.changes.every((c) => c.source === 'poll')).toBe(true);
    expect(t.timers.due.map((d) => d.ms)).toEqual([900_000]);

    t.changes.length = 0;
    t.prints.set('bob', 'bob:2');
    t.timers.fire();
    await t.settle();
    expect(logins(t.changes)).toEqual(['bob']);

    t.changes.length = 0;
    t.timers.fire();
    await t.settle();
    expect(t.changes).toEqual([]);
    expect(t.poll.last).toMatchObject({ checked: 3, changed: 0, failed: 0 });
    await t.poll.stop();
  });

  it('checks at most `concurrency` mailboxes at once', async () => {
    const t = setup(
      Array.from({ length: 50 }, (_, i) => `u${i}`),
      { concurrency: 4 },
    );
    t.poll.start();
    await t.settle();
    expect(t.changes).toHaveLength(50);
    expect(t.maxInFlight()).toBe(4);
    await t.poll.stop();
  });

  it('never starts a round while one runs: the next is due intervalMs after the last one ended', async () => {
    const t = setup(['alice', 'bob']);
    const release = t.hold();
    t.poll.start();
    await new Promise((r) => setImmediate(r));
    // a round asked for meanwhile is the running one
    const again = t.poll.round();
    expect(t.timers.due).toEqual([]);
    release();
    await again;
    await t.settle();
    expect(t.timers.due).toHaveLength(1);
    expect(logins(t.changes)).toEqual(['alice', 'bob']);
    await t.poll.stop();
  });

  it('reports no change for a mailbox it cannot read, logs that once, and once when it works again', async () => {
    const t = setup(['alice', 'bob']);
    t.prints.set('bob', new Error('MailboxUnavailable: 127.0.0.1 refused bob*master'));
    t.poll.start();
    await t.settle();
    expect(logins(t.changes)).toEqual(['alice']);
    for (let i = 0; i < 3; i++) {
      t.timers.fire();
      await t.settle();
    }
    const warnings = t.logged.lines.filter((l) => l.login === 'bob' && /failed/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(t.poll.last).toMatchObject({ checked: 2, failed: 1 });

    t.changes.length = 0;
    t.prints.set('bob', 'bob:1');
    t.timers.fire();
    await t.settle();
    // her first good fingerprint: whatever happened while she could not be read is reconciled now
    expect(logins(t.changes)).toEqual(['bob']);
    expect(
      t.logged.lines.filter((l) => l.login === 'bob' && l.msg === 'mailbox check works again'),
    ).toHaveLength(1);
    await t.poll.stop();
  });

  it('follows the user list: a new user is reported in her first round, a removed one forgotten', async () => {
    const t = setup(['alice']);
    t.poll.start();
    await t.settle();
    t.changes.length = 0;
    t.setUsers(['alice', 'dave']);
    t.prints.set('dave', 'dave:1');
    t.timers.fire();
    await t.settle();
    expect(logins(t.changes)).toEqual(['dave']);

    t.setUsers(['alice']);
    t.timers.fire();
    await t.settle();
    t.changes.length = 0;
    t.setUsers(['alice', 'dave']);
    t.timers.fire();
    await t.settle();
    expect(logins(t.changes)).toEqual(['dave']);
    await t.poll.stop();
  });

  it('reports a change again next round when handling it failed', async () => {
    const t = setup(['alice']);
    let fail = true;
    const changes: string[] = [];
    const logged = recordingLogger();
    const poll = new MailboxPoll({
      list: async () => [target('alice')],
      fingerprint: async () => 'same',
      onChange: async (c) => {
        changes.push(c.login);
        if (fail) throw new Error('directory down');
      },
      intervalMs: 1000,
      concurrency: 1,
      log: logged.log,
      timers: t.timers,
    });
    await poll.round();
    fail = false;
    await poll.round();
    await poll.round();
    expect(changes).toEqual(['alice', 'alice']);
    expect(logged.lines.some((l) => l.msg === 'a changed mailbox could not be handled')).toBe(true);
  });

  it('stop() starts no further mailbox and no further round', async () => {
    const t = setup(
      Array.from({ length: 20 }, (_, i) => `u${i}`),
      { concurrency: 2 },
    );
    const release = t.hold();
    t.poll.start();
    await new Promise((r) => setImmediate(r));
    const stopped = t.poll.stop();
    release();
    await stopped;
    expect(t.changes.length).toBeLessThanOrEqual(2);
    expect(t.timers.due).toEqual([]);
  });

  it('logs and carries on when the user list cannot be read', async () => {
    const timers = handTimers();
    const logged = recordingLogger();
    let attempt = 0;
    const poll = new MailboxPoll({
      list: async () => {
        if (attempt++ === 0) throw new Error('LDAP down');
        return [target('alice')];
      },
      fingerprint: async () => 'x',
      onChange: () => {},
      intervalMs: 60_000,
      concurrency: 2,
      log: logged.log,
      timers,
    });
    poll.start();
    while (timers.due.length === 0) await new Promise((r) => setImmediate(r));
    expect(logged.lines.map((l) => l.msg)).toContain('the periodic mailbox check could not list the users');
    timers.fire();
    while (timers.due.length === 0) await new Promise((r) => setImmediate(r));
    expect(poll.last).toMatchObject({ checked: 1, changed: 1 });
    await poll.stop();
  });
});

describe('a change that could not be handled', () => {
  it('is reported again next round, until it is handled', async () => {
    const changes: MailboxChange[] = [];
    let handled = false;
    const poll = new MailboxPoll({
      list: async () => [target('alice')],
      fingerprint: async () => 'alice:1',
      // the notifier's changed(): false while the directory or her mailbox cannot be read
      onChange: async (change) => {
        changes.push(change);
        return handled;
      },
      intervalMs: 900_000,
      concurrency: 1,
      log: recordingLogger().log,
      timers: handTimers(),
    });
    await poll.round();
    await poll.round();
    handled = true;
    await poll.round();
    await poll.round();
    expect(changes).toHaveLength(3);
  });
});
