// The web app's frame around the pages: the CSRF check on every POST (forms and uploads), the
// guards, the session key file, the static files, the security headers and the page language.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '../support/log.js';
import { ALICE } from '../support/owners.js';
import type { PageModule } from '../../src/web/context.js';
import { sessionKeyFrom, startWeb } from '../../src/web/server.js';
import { html, page } from '../../src/web/html.js';
import { webClient, webTest, type WebTest } from './support.js';

let t: WebTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** a page that shows who is logged in, takes a form and an upload, and has a messages and an admin part */
const probe: PageModule = (app, deps, guard) => {
  app.get('/box', { preHandler: guard.owner }, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    const owner = request.owner!;
    return page({
      language: request.pageLanguage,
      title: 'box',
      csrf: reply.generateCsrf(),
      owner: { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin },
      body: html`<p data-testid="mailbox">${owner.user.mailbox}</p>`,
    }).text;
  });
  app.post('/box/name', { preHandler: guard.owner }, async (request, reply) => {
    const name = String((request.body as Record<string, unknown>)['name'] ?? '');
    await deps.directory.updateSettings(request.owner!.user, (s) => ({ ...s, language: name }));
    return reply.redirect('/box?done=saved', 303);
  });
  app.post('/box/upload', { preHandler: guard.owner }, async (request) => {
    const file = await request.file();
    if (!file) return { got: null };
    const content = await file.toBuffer();
    return { got: file.fieldname, filename: file.filename, bytes: content.length, text: content.toString() };
  });
  app.get('/messages', { preHandler: guard.messages }, async () => 'messages');
  app.get('/admin', { preHandler: guard.admin }, async () => 'admin');
};

describe('every POST carries the CSRF token of her session', () => {
  it('a form without it is refused with a page, and nothing is written', async () => {
    t = await webTest({ pages: [probe] });
    const c = t.client();
    await c.login();
    const before = readFileSync(t.usersFile, 'utf8');
    const res = await c.post('/box/name', { name: 'en' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(readFileSync(t.usersFile, 'utf8')).toBe(before);
    const forged = await c.post('/box/name', { name: 'en', _csrf: 'x'.repeat(40) }, { csrf: false });
    expect(forged.status).toBe(403);
    expect(readFileSync(t.usersFile, 'utf8')).toBe(before);
    // with it, the same form goes through
    expect((await c.post('/box/name', { name: 'en' })).status).toBe(303);
    expect(readFileSync(t.usersFile, 'utf8')).not.toBe(before);
  });

  it('a token of another session does not count', async () => {
    t = await webTest({ pages: [probe] });
    const mallory = t.client();
    await mallory.get('/login');
    const alice = t.client();
    await alice.login();
    const res = await alice.post('/box/name', { name: 'en', _csrf: mallory.csrf() }, { csrf: false });
    expect(res.status).toBe(403);
  });

  it('an upload carries it as a field before the file, and the page then reads the file', async () => {
    t = await webTest({ pages: [probe] });
    const c = t.client();
    await c.login();
    const file = {
      field: 'audio',
      filename: 'a.wav',
      content: Buffer.from('RIFF-data'),
      contentType: 'audio/wav',
    };
    const ok = await c.post('/box/upload', {}, { files: [file] });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({
      got: 'audio',
      filename: 'a.wav',
      bytes: 9,
      text: 'RIFF-data',
    });
    const refused = await c.post('/box/upload', {}, { files: [file], csrf: false });
    expect(refused.status).toBe(403);
    // the recorder sends it as a header
    const token = c.csrf();
    const byHeader = await c.post(
      '/box/upload',
      {},
      { files: [file], csrf: false, headers: { 'csrf-token': token } },
    );
    expect(byHeader.status).toBe(200);
  });

  it('logging out without it is refused: she stays logged in', async () => {
    t = await webTest({ pages: [probe] });
    const c = t.client();
    await c.login();
    expect((await c.post('/logout', {}, { csrf: false })).status).toBe(403);
    expect((await c.get('/box')).status).toBe(200);
    const out = await c.post('/logout');
    expect(out.status).toBe(303);
    expect((await c.get('/box')).headers['location']).toBe('/login');
  });
});

describe('the guards', () => {
  it('send a visitor without a session to the login', async () => {
    t = await webTest({ pages: [probe] });
    const c = t.client();
    for (const url of ['/box', '/messages', '/admin']) {
      const res = await c.get(url);
      expect(res.status).toBe(303);
      expect(res.headers['location']).toBe('/login');
    }
    expect((await c.get('/')).headers['location']).toBe('/login');
  });

  it('show the messages only with phone access to messages, and the admin page only to web.admins', async () => {
    t = await webTest({ pages: [probe], web: { admins: ['+49 (30) 1234-501'] } });
    const c = t.client();
    await c.login();
    expect((await c.get('/')).headers['location']).toBe('/box');
    expect((await c.get('/box')).body).toContain('+49 30 1234501');
    expect((await c.get('/messages')).status).toBe(200);
    expect((await c.get('/admin')).status).toBe(200);
    const alice = (await t.deps.directory.findByNumber([ALICE]))!;
    await t.deps.directory.updateSettings(alice, (s) => ({ ...s, access: 'settings' }));
    const messages = await c.get('/messages');
    expect(messages.status).toBe(403);
    expect(messages.body).toContain('data-testid="notice"');
    expect((await c.get('/box')).status).toBe(200);
  });

  it('refuse the admin page to an owner not listed, by number or login', async () => {
    t = await webTest({ pages: [probe], web: { admins: ['502', 'BBERGER'] } });
    const c = t.client();
    await c.login();
    expect((await c.get('/admin')).status).toBe(403);
  });
});

describe('the session key', () => {
  it('is made once, 32 bytes, owner-only, and the same key is read again', async () => {
    t = await webTest({ pages: [probe] });
    const file = t.config.web.sessionKeyFile;
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file)).toHaveLength(32);
    expect(await sessionKeyFrom(file)).toEqual(readFileSync(file));
  });

  it('is refused when others may read it, or has the wrong length, naming the key', async () => {
    t = await webTest({ pages: [probe] });
    const file = t.config.web.sessionKeyFile;
    chmodSync(file, 0o640);
    await expect(sessionKeyFrom(file)).rejects.toThrow(/web\.sessionKeyFile .*chmod 600/);
    const short = join(t.dir, 'short.key');
    writeFileSync(short, 'abc', { mode: 0o600 });
    await expect(sessionKeyFrom(short)).rejects.toThrow(/web\.sessionKeyFile .*3 bytes, not 32/);
  });

  it('seals sessions that another app on the same key file accepts', async () => {
    t = await webTest({ pages: [probe] });
    const c = t.client();
    await c.login();
    const { createWebApp } = await import('../../src/web/server.js');
    const second = await createWebApp(t.deps, { pages: [probe] });
    try {
      const res = await second.inject({ method: 'GET', url: '/box', headers: { cookie: c.cookie()! } });
      expect(res.statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe('what every answer carries', () => {
  it('a Content-Security-Policy that allows only the app itself, and no framing', async () => {
    t = await webTest({ pages: [probe] });
    const res = await t.client().get('/login');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("media-src 'self' blob:");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the stylesheet, and nothing outside the static folder', async () => {
    t = await webTest({ pages: [probe] });
    const c = t.client();
    const css = await c.get('/static/style.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    for (const url of [
      '/static/..%2Fserver.ts',
      '/static/../server.ts',
      '/static/missing.css',
      '/static/.env',
    ])
      expect((await c.get(url)).status).toBe(404);
  });

  it('pages in German or English as the browser asks, else the menus’ language', async () => {
    t = await webTest({ pages: [probe] });
    const en = await webClient(t.app, { acceptLanguage: 'en-GB,en;q=0.9,de;q=0.5' }).get('/login');
    expect(en.body).toContain('lang="en"');
    expect(en.body).toContain('Log in');
    const de = await webClient(t.app, { acceptLanguage: 'fr-CH, fr;q=0.9, de;q=0.8' }).get('/login');
    expect(de.body).toContain('lang="de"');
    expect(de.body).toContain('Anmelden');
    const none = await webClient(t.app, { acceptLanguage: 'fr' }).get('/login');
    expect(none.body).toContain(`lang="${t.deps.bundle().languages.default === 'en' ? 'en' : 'de'}"`);
  });

  it('an unknown page: 404 with a page, not a stack trace', async () => {
    t = await webTest({ pages: [probe] });
    const res = await t.client().get('/nope/../../etc/passwd');
    expect(res.status).toBe(404);
    expect(res.body).toContain('data-testid="notice"');
  });
});

describe('listening', () => {
  it('over HTTP on web.listen, until closed', async () => {
    t = await webTest({ pages: [probe], web: { listen: '127.0.0.1:0' } });
    const web = await startWeb(t.deps, t.deps.log);
    try {
      expect(web.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${web.address}/login`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('name="_csrf"');
    } finally {
      await web.close();
    }
    await expect(fetch(`${web.address}/login`)).rejects.toThrow();
  });

  it('over HTTPS with web.tlsCert and web.tlsKey, the cookie only over HTTPS', async () => {
    t = await webTest({ pages: [probe] });
    const cert = join(t.dir, 'cert.pem');
    const key = join(t.dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const https = await webTest({
      pages: [probe],
      web: { listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key },
    });
    const web = await startWeb(https.deps, https.deps.log);
    try {
      expect(web.address).toMatch(/^https:\/\//);
      const { status, cookie } = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        httpsRequest(`${web.address}/login`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') });
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      expect(cookie).toMatch(/; Secure/i);
    } finally {
      await web.close();
      await https.close();
    }
  });

  it('a certificate that cannot be read, or an address in use, is an error naming the key', async () => {
    t = await webTest({
      pages: [probe],
      web: { listen: '127.0.0.1:0', tlsCert: '/nonexistent/cert.pem', tlsKey: '/nonexistent/key.pem' },
    });
    await expect(startWeb(t.deps, t.deps.log)).rejects.toThrow(
      /web\.tlsCert \/nonexistent\/cert\.pem cannot be read/,
    );
    const first = await webTest({ pages: [probe], web: { listen: '127.0.0.1:0' } });
    const web = await startWeb(first.deps, first.deps.log);
    try {
      const taken = web.address.replace(/^http:\/\//, '');
      const second = await webTest({ pages: [probe], web: { listen: taken } });
      try {
        await expect(startWeb(second.deps, second.deps.log)).rejects.toThrow(
          /web\.listen 127\.0\.0\.1:\d+ cannot be bound/,
        );
      } finally {
        await second.close();
      }
    } finally {
      await web.close();
      await first.close();
    }
  });
});

describe('behind the one proxy in front (web.behindProxy)', () => {
  it('the address is what the proxy saw: a forged X-Forwarded-For neither escapes the rate limit nor reaches the log', async () => {
    const { log, lines } = recordingLogger();
    t = await webTest({ pages: [probe], log, web: { behindProxy: true, loginsPerMinute: 2 } });
    const c = t.client();
    await c.get('/login');
    const statuses: number[] = [];
    for (const forged of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) {
      // the proxy appends the address it saw to whatever the browser sent
      const res = await c.post(
        '/login',
        { user: '599', secret: '1357' },
        { headers: { 'x-forwarded-for': `${forged}, 203.0.113.7` } },
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([303, 303, 429, 429]);
    const refused = lines.filter((l) => l.msg === 'web login refused');
    expect(refused.map((l) => l['ip'])).toEqual(['203.0.113.7', '203.0.113.7']);
    expect(JSON.stringify(lines)).not.toMatch(/10\.0\.0\./);
  });
});

describe('a refused upload', () => {
  /** one request on `agent`'s connection: status, headers and the body read to its end */
  const send = (
    agent: Agent,
    url: string,
    o: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
  ) =>
    new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(url, { agent, method: o.method ?? 'GET', headers: o.headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers['connection'] }));
      });
      req.on('error', reject);
      req.end(o.body);
    });

  it('leaves the browser a connection that works for the next request', async () => {
    t = await webTest({ pages: [probe], web: { listen: '127.0.0.1:0' } });
    const web = await startWeb(t.deps, t.deps.log);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await send(agent, `${web.address}/login`)).status).toBe(200);
      const boundary = 'voiceboxboundary';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nforged\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n` +
            'Content-Type: audio/wav\r\n\r\n',
        ),
        Buffer.alloc(2 * 1024 * 1024, 0x41),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const refused = await send(agent, `${web.address}/box/upload`, {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(body.length),
        },
        body,
      });
      expect(refused.status).toBe(403);
      expect(refused.connection).toBe('close');
      for (let i = 0; i < 3; i++) expect((await send(agent, `${web.address}/login`)).status).toBe(200);
    } finally {
      agent.destroy();
      await web.close();
    }
  });
});
