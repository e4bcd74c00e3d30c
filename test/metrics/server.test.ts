// /metrics and /health as a scraper, a load balancer and a hostile client see them.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics, MetricsServer, type ServingState } from '../../src/metrics/index.js';
import { family, parsed } from './prometheus-text.js';

const TOKEN = 'scrape-token-0123456789';
const running: MetricsServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(o: { token?: string; requestTimeoutMs?: number } = {}) {
  const metrics = new Metrics({ defaultMetrics: false });
  let state: ServingState = 'serving';
  metrics.readServingFrom(() => state);
  const server = new MetricsServer({ metrics, host: '127.0.0.1', port: 0, ...o });
  running.push(server);
  const { port } = await server.listen();
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  return { metrics, port, url, set: (s: ServingState) => (state = s) };
}

/** What the server answers a raw request, and whether it closed the connection. */
function raw(port: number, send: (socket: Socket) => void): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closed: true }));
    socket.on('connect', () => send(socket));
  });
}

describe('/metrics', () => {
  it('answers the text exposition format without a token when none is configured', async () => {
    const { url, metrics } = await start();
    metrics.started({ flow: 'voicebox', release: '1' });
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(family(parsed(await res.text()), 'voicebox_calls_in_progress')?.metrics[0]?.value).toBe('1');
  });

  it('with metrics.token: 401 without it or with a wrong one, 200 with `Bearer <token>`', async () => {
    const { url } = await start({ token: TOKEN });
    const none = await fetch(url('/metrics'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('voicebox_');
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      TOKEN,
      'Bearer ',
    ]) {
      const res = await fetch(url('/metrics'), { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
    }
    const ok = await fetch(url('/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('voicebox_calls_total');
  });
});

describe('/health', () => {
  it('200 ok while serving; 503 starting before, 503 draining while it stops; no token needed', async () => {
    const { url, set } = await start({ token: TOKEN });
    set('starting');
    let res = await fetch(url('/health'));
    expect([res.status, await res.text()]).toEqual([503, 'starting\n']);
    set('serving');
    res = await fetch(url('/health'));
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
    set('draining');
    res = await fetch(url('/health'));
    expect([res.status, await res.text()]).toEqual([503, 'draining\n']);
  });

  it('HEAD answers the status without a body', async () => {
    const { url } = await start();
    const res = await fetch(url('/health'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('anything else', () => {
  it('404 for other paths, 405 for other methods, 413 for a request with a body', async () => {
    const { url, port } = await start();
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/metrics/../etc/passwd'))).status).toBe(404);
    const post = await fetch(url('/metrics'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(url('/health'), { method: 'DELETE' })).status).toBe(405);
    for (const head of ['Content-Length: 10', 'Transfer-Encoding: chunked']) {
      const withBody = await raw(port, (c) =>
        c.write(`GET /metrics HTTP/1.1\r\nHost: x\r\n${head}\r\n\r\n0123456789`),
      );
      expect(withBody.answer, head).toMatch(/^HTTP\/1\.1 413/);
      expect(withBody.closed).toBe(true);
    }
  });

  it('garbage instead of HTTP gets 400 and the connection closed; the server goes on answering', async () => {
    const { port, url } = await start();
    const { answer, closed } = await raw(port, (s) =>
      s.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n'),
    );
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const huge = await raw(port, (s) =>
      s.write(`GET /metrics HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(huge.closed).toBe(true);
    expect(huge.answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect((await fetch(url('/health'))).status).toBe(200);
  });

  it('a client that sends its head slowly, or nothing, is dropped', async () => {
    const { port, url } = await start({ requestTimeoutMs: 300 });
    // connects and says nothing
    const silent = await raw(port, () => undefined);
    expect(silent.closed).toBe(true);
    // a header byte now and then, never the end of the head (slowloris)
    let drip: NodeJS.Timeout | undefined;
    const slow = await raw(port, (s) => {
      s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      drip = setInterval(() => s.writable && s.write('X-A: b\r\n'), 50);
    });
    clearInterval(drip);
    expect(slow.closed).toBe(true);
    expect(slow.answer).not.toContain('voicebox_');
    expect((await fetch(url('/health'))).status).toBe(200);
  });
});

describe('two servers in one process', () => {
  it('each serves its own metrics', async () => {
    const one = await start();
    const two = await start();
    one.metrics.started({ flow: 'voicebox', release: '1' });
    const read = async (u: (p: string) => string) =>
      family(parsed(await (await fetch(u('/metrics'))).text()), 'voicebox_calls_in_progress')?.metrics ?? [];
    expect((await read(one.url)).map((s) => s.value)).toEqual(['1']);
    expect(await read(two.url)).toEqual([]);
  });
});
