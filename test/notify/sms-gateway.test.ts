// The two gateways: what an HTTP provider receives (templates, escaping, headers), and the mail
// an e-mail-to-SMS provider receives.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { buildRawMessage, type MailMessage } from '../../src/mail/index.js';
import {
  fillSmsTemplate,
  bodyEscape,
  httpSmsGateway,
  mailSmsGateway,
  SmsGatewayError,
  SmsRejected,
  type SmsJob,
} from '../../src/notify/index.js';

const job: SmsJob = {
  id: '0123456789abcdef-voice-2-0',
  user: 'uid=alice,ou=sales,dc=example,dc=com',
  to: '+491701000001',
  from: '+49301234599',
  // what no real SMS says, but a template must survive: quotes, ampersand, newline, umlauts
  text: 'Grüße "Bob" & Co\nzweite Zeile',
  language: 'de',
};

describe('templates', () => {
  it('JSON bodies get JSON-string escaped values', () => {
    const body = fillSmsTemplate(
      '{"to":"$(MOBILE_E164)","text":"$(TEXT)","id":"$(ID)"}',
      job,
      bodyEscape('application/json'),
    );
    expect(JSON.parse(body)).toEqual({ to: '+491701000001', text: job.text, id: job.id });
  });

  it('form bodies are form-encoded', () => {
    const body = fillSmsTemplate(
      'to=$(MOBILE)&from=$(SENDER)&text=$(TEXT)',
      job,
      bodyEscape('application/x-www-form-urlencoded; charset=utf-8'),
    );
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      to: '491701000001',
      from: '+49301234599',
      text: job.text,
    });
  });

  it('XML bodies get entities', () => {
    const body = fillSmsTemplate('<sms to="$(MOBILE_E164)">$(TEXT)</sms>', job, bodyEscape('text/xml'));
    expect(body).toBe('<sms to="+491701000001">Grüße &quot;Bob&quot; &amp; Co\nzweite Zeile</sms>');
  });

  it('a value that looks like a placeholder is not filled again', () => {
    const body = fillSmsTemplate('$(TEXT)|$(MOBILE)', { ...job, text: '$(MOBILE)' }, (v) => v);
    expect(body).toBe('$(MOBILE)|491701000001');
  });
});

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A provider on a free port answering each request with the next status of `statuses` (the last repeats). */
async function provider(statuses: number[], answer = '{"ok":true}') {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      if (status === 0) return; // never answers
      res.writeHead(status, { 'content-type': 'application/json' }).end(answer);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the HTTP gateway', () => {
  it('sends the filled request: URL-encoded URL values, the body, basic auth, headers, Idempotency-Key', async () => {
    const p = await provider([200]);
    const gateway = httpSmsGateway({
      url: `${p.url}/send?to=$(MOBILE_E164)&text=$(TEXT)`,
      body: '{"to":"$(MOBILE_E164)","from":"$(SENDER)","text":"$(TEXT)"}',
      user: 'voicebox',
      password: 'pä:ss',
      headers: { 'X-Api-Key': 'k-123' },
    });
    await gateway.send(job);
    const [r] = p.received;
    expect(r?.method).toBe('POST');
    const url = new URL(r?.url ?? '', p.url);
    expect(url.searchParams.get('to')).toBe('+491701000001');
    expect(url.searchParams.get('text')).toBe(job.text);
    expect(JSON.parse(r?.body ?? '')).toEqual({ to: '+491701000001', from: '+49301234599', text: job.text });
    expect(r?.headers['content-type']).toBe('application/json');
    expect(r?.headers['authorization']).toBe(`Basic ${Buffer.from('voicebox:pä:ss').toString('base64')}`);
    expect(r?.headers['x-api-key']).toBe('k-123');
    expect(r?.headers['idempotency-key']).toBe(job.id);
  });

  it('GET sends no body', async () => {
    const p = await provider([204]);
    await httpSmsGateway({ url: `${p.url}/?to=$(MOBILE)`, method: 'get' }).send(job);
    expect(p.received[0]).toMatchObject({ method: 'GET', url: '/?to=491701000001', body: '' });
  });

  it('4xx is a refusal naming the status and what the provider said; 5xx, 429 and a timeout are retryable', async () => {
    const refused = await provider([400], '{"error":"invalid number"}');
    const error = await httpSmsGateway({ url: refused.url })
      .send(job)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsRejected);
    expect(error).toMatchObject({ status: 400 });
    expect(String(error)).toContain('invalid number');

    for (const status of [503, 429]) {
      const p = await provider([status]);
      const e = await httpSmsGateway({ url: p.url })
        .send(job)
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SmsGatewayError);
      expect(e).toMatchObject({ status });
    }

    const silent = await provider([0]);
    const timedOut = await httpSmsGateway({ url: silent.url, timeoutMs: 200 })
      .send(job)
      .catch((x: unknown) => x);
    expect(timedOut).toBeInstanceOf(SmsGatewayError);
    expect(String(timedOut)).toContain('no answer in time');
  });

  it('a redirect is a refusal naming where it points: a POST must not turn into a GET', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(301, { location: 'https://sms.example/v2/send' }).end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
    const e = await httpSmsGateway({ url })
      .send(job)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SmsRejected);
    expect(String(e)).toContain('redirected to https://sms.example/v2/send');
  });

  it('an error names the provider without the query string (it may hold a key)', async () => {
    const p = await provider([500]);
    const e = await httpSmsGateway({ url: `${p.url}/sms?key=SECRET` })
      .send(job)
      .catch((x: unknown) => x);
    expect(String(e)).toContain(`${p.url}/sms`);
    expect(String(e)).not.toContain('SECRET');
  });
});

describe('the mail gateway', () => {
  it('puts a plain-text mail to the filled address into the spool: the text as subject and body', async () => {
    const spooled: { message: MailMessage; id: string }[] = [];
    const gateway = mailSmsGateway({
      spool: { enqueue: async (message, id) => void spooled.push({ message, id }) },
      addressTemplate: '$(MOBILE)@sms.provider.example',
      domain: 'example.com',
      now: () => Date.parse('2026-03-01T10:00:00Z'),
    });
    const sms = { ...job, text: '2 neue Sprachnachrichten, zuletzt von +49 30 1234102' };
    await gateway.send(sms);
    expect(spooled.map((s) => s.id)).toEqual([`sms-${job.id}`]);
    const mail = await simpleParser((await buildRawMessage(spooled[0]?.message ?? {})).raw);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe(
      '491701000001@sms.provider.example',
    );
    expect(mail.from?.value).toEqual([{ name: 'voicebox', address: 'voicebox@example.com' }]);
    expect(mail.subject).toBe(sms.text);
    expect(mail.text?.trim()).toBe(sms.text);
    expect(mail.attachments).toEqual([]);
    expect(mail.messageId).toBe(`<voicebox.sms.${job.id}@example.com>`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('$(MOBILE_E164) keeps the plus; a template that gives no address is a refusal', async () => {
    const to: string[] = [];
    const spool = { enqueue: async (m: MailMessage) => void to.push(JSON.stringify(m.to)) };
    await mailSmsGateway({
      spool,
      addressTemplate: '$(MOBILE_E164)@sms.example.com',
      domain: 'example.com',
    }).send(job);
    expect(to[0]).toContain('+491701000001@sms.example.com');
    const bad = mailSmsGateway({ spool, addressTemplate: 'sms gateway', domain: 'example.com' });
    await expect(bad.send(job)).rejects.toBeInstanceOf(SmsRejected);
  });
});
