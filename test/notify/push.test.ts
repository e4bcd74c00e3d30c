// The push endpoint as Dovecot's Lua script and a hostile client see it: real HTTP on 127.0.0.1.
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPlausibleLogin, PushEndpoint, pushEnabled, type MailboxChange } from '../../src/notify/index.js';
import { recordingLogger } from '../support/log.js';

const TOKEN = 's3cret-token';

interface Answer {
  status: number;
  body: string;
}

function post(
  port: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
  method = 'POST',
  path = '/dovecot/push',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = { Authorization: `Bearer ${TOKEN}` };

describe('the push endpoint (POST /dovecot/push)', () => {
  let endpoint: PushEndpoint;
  let port: number;
  let changes: MailboxChange[];
  let logged: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    changes = [];
    logged = recordingLogger();
    endpoint = new PushEndpoint({
      listen: '127.0.0.1',
      port: 0,
      token: TOKEN,
      onChange: (c) => {
        changes.push(c);
      },
      log: logged.log,
    });
    port = await endpoint.listen();
  });
  afterEach(() => endpoint.close());

  it("turns the Lua script's body into a change of that user's mailbox, answered 204", async () => {
    const answer = await post(port, '{"user":"alice","mailbox":"INBOX","event":"MessageNew"}', bearer);
    expect(answer.status).toBe(204);
    expect(changes).toEqual([{ login: 'alice', source: 'push' }]);
  });

  it('ignores fields it does not know and takes an address as the login', async () => {
    const answer = await post(port, '{"user":"alice@example.com","future":{"x":1},"event":7}', bearer);
    expect(answer.status).toBe(204);
    expect(changes).toEqual([{ login: 'alice@example.com', source: 'push' }]);
  });

  it('refuses a request without the token, or with a wrong one, with 401', async () => {
    const body = '{"user":"alice"}';
    expect((await post(port, body)).status).toBe(401);
    expect((await post(port, body, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(port, body, { Authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(port, body, { Authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect(changes).toEqual([]);
  });

  it.each([
    ['not JSON', '{"user":'],
    ['not an object', '["alice"]'],
    ['no user', '{"mailbox":"INBOX"}'],
    ['a user that is a number', '{"user":42}'],
    ['an empty user', '{"user":""}'],
    ['a user with a line break', '{"user":"alice\\nbob"}'],
    ['a master-user login', '{"user":"alice*master"}'],
    ['a path', '{"user":"../../etc/passwd"}'],
    ['a user name of 300 characters', JSON.stringify({ user: 'a'.repeat(300) })],
  ])('answers %s with 400 and reports no change', async (_what, body) => {
    expect((await post(port, body, bearer)).status).toBe(400);
    expect(changes).toEqual([]);
  });

  it('refuses a body over 16 KiB with 413, whether announced or streamed', async () => {
    const big = JSON.stringify({ user: 'alice', pad: 'x'.repeat(20_000) });
    expect((await post(port, big, bearer)).status).toBe(413);
    const streamed = await new Promise<number>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/dovecot/push',
          headers: { ...bearer, 'Transfer-Encoding': 'chunked' },
        },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', () => resolve(-1));
      for (let i = 0; i < 40; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(changes).toEqual([]);
    // and it still serves the next one
    expect((await post(port, '{"user":"bob"}', bearer)).status).toBe(204);
  });

  it('knows only POST on its one path', async () => {
    expect((await post(port, '', bearer, 'GET')).status).toBe(405);
    expect((await post(port, '{"user":"alice"}', bearer, 'POST', '/other')).status).toBe(404);
    expect(changes).toEqual([]);
  });

  it('survives a handler that throws or rejects, and says so in the log', async () => {
    await endpoint.close();
    let calls = 0;
    endpoint = new PushEndpoint({
      listen: '127.0.0.1',
      port: 0,
      token: TOKEN,
      onChange: (c) => {
        calls++;
        if (c.login === 'alice') throw new Error('boom');
        return Promise.reject(new Error('later boom'));
      },
      log: logged.log,
    });
    port = await endpoint.listen();
    expect((await post(port, '{"user":"alice"}', bearer)).status).toBe(204);
    expect((await post(port, '{"user":"bob"}', bearer)).status).toBe(204);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(
      logged.lines
        .filter((l) => l.msg === 'a pushed mailbox change could not be handled')
        .map((l) => l.login),
    ).toEqual(['alice', 'bob']);
  });

  it('answers garbage that is not HTTP with 400 and keeps serving', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('\x00\x01garbage\r\n\r\n'));
      let text = '';
      s.on('data', (c) => (text += c.toString()));
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await post(port, '{"user":"alice"}', bearer)).status).toBe(204);
  });
});

describe('when the push endpoint runs', () => {
  it('only with a port and a token: without a token anyone could make voicebox read mailboxes', () => {
    expect(pushEnabled({ port: 8790, token: 't' })).toBe(true);
    expect(pushEnabled({ port: 0, token: 't' })).toBe(false);
    expect(pushEnabled({ port: 8790, token: '' })).toBe(false);
    expect(
      () =>
        new PushEndpoint({
          listen: '127.0.0.1',
          port: 0,
          token: '',
          onChange() {},
          log: recordingLogger().log,
        }),
    ).toThrow(/token/);
  });

  it('says which address is taken when it cannot listen', async () => {
    const first = new PushEndpoint({
      listen: '127.0.0.1',
      port: 0,
      token: 't',
      onChange() {},
      log: recordingLogger().log,
    });
    const port = await first.listen();
    const second = new PushEndpoint({
      listen: '127.0.0.1',
      port,
      token: 't',
      onChange() {},
      log: recordingLogger().log,
    });
    await expect(second.listen()).rejects.toThrow(`127.0.0.1:${port}`);
    await first.close();
  });
});

describe('a plausible login', () => {
  it.each(['alice', 'alice@example.com', 'a.oneil', "o'neil", 'jürgen', '王芳', 'user+tag@x.de', '4711'])(
    '%s is one',
    (l) => expect(isPlausibleLogin(l)).toBe(true),
  );
  it.each(['', ' alice', 'alice bob', 'alice*master', 'a/b', '-rf', 'a\u0000b', '.hidden'])(
    '%j is not',
    (l) => expect(isPlausibleLogin(l)).toBe(false),
  );
});
