// How voicebox learns that a mailbox changed, at 10,000 mailboxes, on a throwaway Dovecot of its own
// (lab/dovecot/start.sh with 10,000 passwd-file users, its own dir and ports):
//   IDLE    one IMAP connection per mailbox, IDLE on INBOX: Dovecot's processes and memory, ours
//   poll    one round of MailboxPoll over ImapMailboxStore.fingerprint (login + STATUS + logout)
//   push    LMTP delivery → dovecot/voicebox-push.lua → PushEndpoint: latency p50/p99, and what a
//           delivery costs with the endpoint answering, refused, and without the plugin
// env: WATCH_USERS (10000), WATCH_IDLE (1000 IDLE connections, extrapolated), WATCH_PUSHES (500),
//      WATCH_CONCURRENCY (8). Needs root and dovecot (bash test/run installs it).
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { ImapMailboxStore } from '../src/mailbox/index.js';
import { MailboxPoll, PushEndpoint, type PollTarget } from '../src/notify/index.js';

const USERS = Number(process.env['WATCH_USERS'] ?? 10_000);
const IDLE = Number(process.env['WATCH_IDLE'] ?? 1_000);
const PUSHES = Number(process.env['WATCH_PUSHES'] ?? 500);
const CONCURRENCY = Number(process.env['WATCH_CONCURRENCY'] ?? 8);
const TOKEN = 'bench-token';
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const CLK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function freePorts(n: number): Promise<number[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<number>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => {
            const port = (s.address() as { port: number }).port;
            s.close(() => resolve(port));
          });
        }),
    ),
  );
}

/** CPU seconds of a process and of its reaped children (Dovecot's master reaps every imap process). */
function cpuOf(pid: number, withChildren: boolean): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [ut, st, cut, cst] = [f[11], f[12], f[13], f[14]].map(Number) as [number, number, number, number];
  return (ut + st + (withChildren ? cut + cst : 0)) / CLK;
}

/** Dovecot's processes under its master: how many, their RSS summed (MiB), their CPU seconds. */
function dovecotSide(master: number): { processes: number; rssMiB: number; cpuS: number } {
  let processes = 1;
  let rssKiB = 0;
  let cpuS = cpuOf(master, true);
  const rssOf = (pid: number): number => {
    // PSS: shared pages divided among the processes sharing them, so the sum is what they use
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  };
  rssKiB += rssOf(master);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== master) continue;
      processes++;
      rssKiB += rssOf(Number(entry));
      cpuS += cpuOf(Number(entry), false);
    } catch {
      // gone meanwhile
    }
  }
  return { processes, rssMiB: rssKiB / 1024, cpuS };
}

function ours(): { rssMiB: number; heapMiB: number; cpuS: number } {
  const u = process.cpuUsage();
  return {
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    cpuS: (u.user + u.system) / 1e6,
  };
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const f1 = (n: number): string => n.toFixed(1);
const login = (i: number): string => `u${String(i).padStart(5, '0')}`;

async function main(): Promise<void> {
  try {
    execFileSync('dovecot', ['--version'], { stdio: 'ignore' });
  } catch {
    console.log('notify-watch: skipped — dovecot is not installed (bash test/run installs it)');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'voicebox-bench-watch-'));
  chmodSync(work, 0o755);
  const dir = join(work, 'dovecot');
  const [imap, imaps, lmtpPort, push] = (await freePorts(4)) as [number, number, number, number];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(work, 'key.pem'),
      '-out',
      join(work, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  chmodSync(join(work, 'key.pem'), 0o644);
  const seed = Array.from(
    { length: USERS },
    (_, i) => `dn: uid=${login(i)}\nuid: ${login(i)}\nuserPassword: pw\nmail: ${login(i)}@example.com\n`,
  ).join('\n');
  writeFileSync(join(work, 'seed.ldif'), seed);
  const env = {
    ...process.env,
    IMAP_PORT: String(imap),
    IMAPS_PORT: String(imaps),
    LMTP_PORT: String(lmtpPort),
    PUSH_PORT: String(push),
    PUSH_TOKEN: TOKEN,
    TLS_CERT: join(work, 'cert.pem'),
    TLS_KEY: join(work, 'key.pem'),
    SEED: join(work, 'seed.ldif'),
  };
  execFileSync('bash', ['-c', 'ulimit -n 65536; exec bash lab/dovecot/start.sh "$0"', dir], {
    env,
    stdio: 'ignore',
  });
  const conf = join(dir, 'dovecot.conf');
  // one imap process per IDLE connection: the defaults (1000 processes, 1000 clients) are the limit
  appendFileSync(
    conf,
    `\ndefault_process_limit = ${IDLE + 2000}\ndefault_client_limit = ${IDLE + 2000}\n` +
      `service imap-login {\n  process_min_avail = 4\n  service_count = 0\n}\n` +
      // the polling logins are short: reuse imap processes (all mailboxes belong to vmail)
      `service imap {\n  process_min_avail = ${CONCURRENCY}\n  service_count = 1000\n}\n`,
  );
  execFileSync('doveadm', ['-c', conf, 'reload']);
  await new Promise((r) => setTimeout(r, 1000));
  const master = Number(readFileSync(join(dir, 'run', 'master.pid'), 'utf8').trim());
  console.log(
    `notify-watch: ${USERS} mailboxes on Dovecot ${execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim()}, ${CLK} ticks/s`,
  );

  const store = new ImapMailboxStore({
    host: '127.0.0.1',
    port: imap,
    tls: false,
    rejectUnauthorized: false,
    access: 'administrative',
    adminMode: 'master',
    masterUser: 'master',
    masterPassword: 'masterpw',
    masterSeparator: '*',
    namespace: 'Other Users/',
    pathTemplate: 'user.${MAILBOX}',
    loginTemplate: '$(LOGIN)',
    timeoutMs: 30_000,
    folder: 'INBOX',
    trash: 'Trash',
    deleteMode: 'trash',
  });
  const targets: PollTarget[] = Array.from({ length: USERS }, (_, i) => ({
    login: login(i),
    owner: { mailbox: login(i), email: `${login(i)}@example.com` },
  }));

  try {
    // (c) polling: one round over every mailbox; the first also creates each Maildir
    let changes = 0;
    const poll = new MailboxPoll({
      list: async () => targets,
      fingerprint: (o) => store.fingerprint(o),
      onChange: () => {
        changes++;
      },
      intervalMs: 0,
      concurrency: CONCURRENCY,
      log: silent,
    });
    for (const label of ['first (creates the Maildirs)', 'second']) {
      changes = 0;
      const d0 = dovecotSide(master);
      const o0 = ours();
      const round = await poll.round();
      const d1 = dovecotSide(master);
      const o1 = ours();
      console.log(
        `poll round, ${label}: ${USERS} mailboxes in ${f1(round.ms / 1000)} s ` +
          `(${f1(((round.ms / USERS) * 1000) / 1000)} s per 1,000; concurrency ${CONCURRENCY}); ` +
          `failed ${round.failed}, reported ${changes}; CPU Dovecot ${f1(d1.cpuS - d0.cpuS)} s, voicebox ${f1(o1.cpuS - o0.cpuS)} s`,
      );
    }

    // (d) push: delivery → endpoint, and what a delivery costs
    const hits = new Map<string, number>();
    const endpoint = new PushEndpoint({
      listen: '127.0.0.1',
      port: push,
      token: TOKEN,
      onChange: (c) => {
        if (!hits.has(c.login)) hits.set(c.login, performance.now());
      },
      log: silent,
    });
    await endpoint.listen();
    const lmtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: lmtpPort,
      lmtp: true,
      ignoreTLS: true,
      pool: false,
    });
    const deliverTo = async (user: string): Promise<{ sent: number; ms: number }> => {
      const sent = performance.now();
      await lmtp.sendMail({
        envelope: { from: 'fax@example.com', to: [`${user}@example.com`] },
        raw: `From: fax@example.com\r\nTo: ${user}@example.com\r\nSubject: fax\r\n\r\nx\r\n`,
      });
      return { sent, ms: performance.now() - sent };
    };
    const latencies: number[] = [];
    const withPush: number[] = [];
    const d0 = dovecotSide(master);
    const o0 = ours();
    for (let i = 0; i < PUSHES; i++) {
      const user = login((i * 7919) % USERS);
      hits.delete(user);
      const { sent, ms } = await deliverTo(user);
      withPush.push(ms);
      const hit = hits.get(user);
      if (hit !== undefined) latencies.push(hit - sent);
    }
    const d1 = dovecotSide(master);
    const o1 = ours();
    await endpoint.close();
    latencies.sort((a, b) => a - b);
    withPush.sort((a, b) => a - b);
    console.log(
      `push: delivery → endpoint p50 ${f1(pct(latencies, 50))} ms, p99 ${f1(pct(latencies, 99))} ms ` +
        `(${latencies.length}/${PUSHES} arrived before the delivery was answered); ` +
        `voicebox CPU ${f1((((o1.cpuS - o0.cpuS) / PUSHES) * 1e6) / 1000)} ms per push (with the test's LMTP client), Dovecot ${f1(((d1.cpuS - d0.cpuS) / PUSHES) * 1000)} ms per delivery`,
    );
    const refused: number[] = [];
    for (let i = 0; i < PUSHES; i++) refused.push((await deliverTo(login((i * 104729) % USERS))).ms);
    refused.sort((a, b) => a - b);
    // without the plugin: the same config with the push plugins left out
    writeFileSync(
      conf,
      readFileSync(conf, 'utf8').replace(/ notify push_notification mail_lua push_notification_lua/g, ''),
    );
    execFileSync('doveadm', ['-c', conf, 'reload']);
    await new Promise((r) => setTimeout(r, 1000));
    const without: number[] = [];
    for (let i = 0; i < PUSHES; i++) without.push((await deliverTo(login((i * 15485863) % USERS))).ms);
    without.sort((a, b) => a - b);
    const base = pct(without, 50);
    console.log(
      `delivery time p50/p99: no push plugin ${f1(base)}/${f1(pct(without, 99))} ms (baseline); ` +
        `pushing ${f1(pct(withPush, 50))}/${f1(pct(withPush, 99))} ms (${(pct(withPush, 50) / base).toFixed(2)}×); ` +
        `voicebox down (refused) ${f1(pct(refused, 50))}/${f1(pct(refused, 99))} ms (${(pct(refused, 50) / base).toFixed(2)}×)`,
    );
    lmtp.close();

    // (a) IDLE: one connection per mailbox
    const before = dovecotSide(master);
    const o2 = ours();
    const clients: ImapFlow[] = [];
    const t0 = performance.now();
    for (let i = 0; i < IDLE; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, IDLE - i) }, async (_, k) => {
          const c = new ImapFlow({
            host: '127.0.0.1',
            port: imap,
            secure: false,
            tls: { rejectUnauthorized: false },
            auth: { user: `${login(i + k)}*master`, pass: 'masterpw' },
            logger: false,
          });
          await c.connect();
          await c.mailboxOpen('INBOX');
          clients.push(c); // imapflow IDLEs by itself when nothing else runs
        }),
      );
    }
    const openMs = performance.now() - t0;
    global.gc?.();
    await new Promise((r) => setTimeout(r, 3000));
    const after = dovecotSide(master);
    const o3 = ours();
    const perConn = (after.rssMiB - before.rssMiB) / IDLE;
    const oursPer = (o3.rssMiB - o2.rssMiB) / IDLE;
    console.log(
      `IDLE: ${IDLE} connections opened in ${f1(openMs / 1000)} s; Dovecot ${after.processes - before.processes} more processes, ` +
        `+${f1(after.rssMiB - before.rssMiB)} MiB RSS (${f1(perConn * 1024)} KiB each, PSS); ` +
        `voicebox +${f1(o3.rssMiB - o2.rssMiB)} MiB RSS, heap ${f1(o3.heapMiB)} MiB`,
    );
    console.log(
      `IDLE extrapolated to ${USERS}: Dovecot ~${USERS} imap processes, ~${f1((perConn * USERS) / 1024)} GiB; ` +
        `voicebox ~${f1(oursPer * USERS)} MiB and ${USERS} sockets (${USERS} file descriptors on each side)`,
    );
    await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
  } finally {
    execFileSync('bash', ['lab/dovecot/stop.sh', dir], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
