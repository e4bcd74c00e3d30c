// The directory's users by the names a mail server uses for them.
import { describe, expect, it } from 'vitest';
import type { Directory, DirectoryUser } from '../../src/directory/index.js';
import { UserIndex } from '../../src/notify/users.js';
import { recordingLogger } from '../support/log.js';

const user = (id: string, extra: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id,
  name: id,
  email: `${id}@example.com`,
  mailbox: '',
  numbers: {},
  login: id,
  settings: { enabled: true, wrongPinCount: 0, trustedNumbers: [], profiles: {} },
  rawUserData: [],
  ...extra,
});

function listing(users: DirectoryUser[]): Directory {
  return {
    findByNumber: async () => undefined,
    updateSettings: async (u) => u,
    close: async () => undefined,
    async *users() {
      yield* users;
    },
  };
}

describe('the users by mail name', () => {
  it('finds her by login, mailbox alias, her own IMAP user, address and its local part, in any case', async () => {
    const alice = user('alice', {
      email: 'Alice.Anders@example.com',
      mailboxAlias: 'aanders',
      settings: {
        enabled: true,
        wrongPinCount: 0,
        trustedNumbers: [],
        profiles: {},
        imapUser: 'shared-voice',
      },
    });
    const index = new UserIndex({ directory: listing([alice, user('bob')]) });
    for (const name of [
      'alice',
      'ALICE',
      'aanders',
      'shared-voice',
      'alice.anders@example.com',
      'Alice.Anders',
    ])
      expect((await index.byLogin(name))?.id, name).toBe('alice');
    expect(await index.byLogin('mallory')).toBeUndefined();
    expect(await index.byLogin('  ')).toBeUndefined();
  });

  it('finds nobody by a name two users share, and says so once', async () => {
    const { log, lines } = recordingLogger();
    const index = new UserIndex({
      directory: listing([user('carol', { mailboxAlias: 'team' }), user('dave', { mailboxAlias: 'team' })]),
      log,
    });
    expect(await index.byLogin('team')).toBeUndefined();
    expect(await index.byLogin('team')).toBeUndefined();
    expect(lines.filter((l) => l.msg?.includes('several directory users'))).toHaveLength(1);
    expect((await index.byLogin('carol'))?.id).toBe('carol');
  });

  it('looks again for a name it does not know, at most every missRefreshMs', async () => {
    const users = [user('erin')];
    let now = 0;
    const index = new UserIndex({ directory: listing(users), now: () => now, missRefreshMs: 30_000 });
    expect(await index.byLogin('felix')).toBeUndefined();
    users.push(user('felix'));
    now = 10_000;
    expect(await index.byLogin('felix')).toBeUndefined();
    now = 31_000;
    expect((await index.byLogin('felix'))?.id).toBe('felix');
    expect((await index.list()).map((u) => u.id)).toEqual(['erin', 'felix']);
  });
});
