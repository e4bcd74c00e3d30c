// /messages: visual voice mail. Her voice messages (only kind voice: e-mails and faxes stay in her
// mail program) newest first, to listen to, mark as heard and delete — on the same mailbox the
// phone reads, opened as the phone opens it (mailboxOwnerOf), once per request and closed after.
//
// A uid from the browser is never handed to the mailbox as it came: it must be one of the uids
// `list` gave for her voice messages on this request (an e-mail's uid, `../` or a made-up value is
// a 404). Listening fetches the audio without setting \Seen (IMAP BODY.PEEK; Maildir reads the
// file): only the button marks a message heard, as on the phone only finishing it does.
//
// data-testid: message-counts, message-hint, message-list, message-empty, message-<uid>,
// caller-<uid>, date-<uid>, duration-<uid>, state-<uid>, play-<uid>, heard-<uid>, delete-<uid>.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/csrf-protection';
import { mailboxOwnerOf, type SiteMailboxStore } from '../../actions/index.js';
import {
  MailboxUnavailable,
  MessageNotFound,
  MessageTooLarge,
  MessageUnreadable,
  type Mailbox,
  type MessageInfo,
} from '../../mailbox/index.js';
import { national, toE164, type Location } from '../../phone/index.js';
import { phoneNumberGroups } from '../../speech/index.js';
import type { PageLanguage, PageModule, WebDeps, WebOwner } from '../context.js';
import { csrfField, html, page, type Html } from '../html.js';

const TEXT = {
  de: {
    title: 'Sprachnachrichten',
    counts: (fresh: number, heard: number) => `${fresh} neu, ${heard} gehört`,
    hint: 'Hier stehen nur Ihre Sprachnachrichten. E-Mails und Faxe lesen Sie in Ihrem E-Mail-Programm.',
    empty: 'Keine Sprachnachrichten',
    from: 'Von',
    received: 'Eingegangen',
    duration: 'Dauer',
    fresh: 'neu',
    heard: 'gehört',
    listen: (caller: string) => `Nachricht von ${caller} anhören`,
    markHeard: 'Als gehört markieren',
    delete: 'Löschen',
    today: 'heute',
    yesterday: 'gestern',
    done: {
      heard: 'Die Nachricht ist als gehört markiert.',
      deleted: 'Die Nachricht ist gelöscht.',
    },
    unavailable:
      'Ihr Postfach ist gerade nicht erreichbar. Bitte versuchen Sie es in ein paar Minuten noch einmal.',
    notConfigured:
      'Auf diesem Server ist kein Postfach für Sprachnachrichten eingerichtet. Bitte wenden Sie sich an Ihre Administration.',
    notFound: 'Diese Nachricht gibt es nicht (mehr). Vielleicht wurde sie inzwischen gelöscht.',
    tooLarge:
      'Diese Nachricht ist zu groß, um sie hier abzuspielen. Öffnen Sie sie bitte in Ihrem E-Mail-Programm.',
    unreadable:
      'Diese Nachricht kann nicht abgespielt werden: Ihre Aufnahme stimmt nicht mit ihrer Signatur überein.',
    back: 'Zurück zu den Nachrichten',
  },
  en: {
    title: 'Voice messages',
    counts: (fresh: number, heard: number) => `${fresh} new, ${heard} heard`,
    hint: 'Only your voice messages are listed here. Please read e-mails and faxes in your mail program.',
    empty: 'No voice messages',
    from: 'From',
    received: 'Received',
    duration: 'Length',
    fresh: 'new',
    heard: 'heard',
    listen: (caller: string) => `Listen to the message from ${caller}`,
    markHeard: 'Mark as heard',
    delete: 'Delete',
    today: 'today',
    yesterday: 'yesterday',
    done: {
      heard: 'The message is marked as heard.',
      deleted: 'The message was deleted.',
    },
    unavailable: 'Your mailbox cannot be reached at the moment. Please try again in a few minutes.',
    notConfigured: 'No mailbox for voice messages is set up on this server. Please ask your administrator.',
    notFound: 'This message does not exist (any more). It may have been deleted meanwhile.',
    tooLarge: 'This message is too large to be played here. Please open it in your mail program.',
    unreadable: 'This message cannot be played: its recording does not match its signature.',
    back: 'Back to the messages',
  },
} as const;

type Done = keyof (typeof TEXT)['de']['done'];
const isDone = (value: unknown): value is Done => value === 'heard' || value === 'deleted';

/** a uid longer than this is no uid of hers (IMAP UIDs are numbers, Maildir names ~60 characters) */
const MAX_UID_LENGTH = 255;

/** The mailbox store is not set up: the page says so instead of a list. */
class NoMailboxStore extends Error {
  override readonly name = 'NoMailboxStore';
}

/** Opens her mailbox as the phone does, runs `use`, always closes it. */
async function withMailbox<T>(deps: WebDeps, owner: WebOwner, use: (m: Mailbox) => Promise<T>): Promise<T> {
  const store = deps.mailboxes as SiteMailboxStore | undefined;
  if (!store) throw new NoMailboxStore('no mailbox store');
  const mailbox = await store.open(
    mailboxOwnerOf(owner.user, { location: deps.location, hostRule: store.hostRule, log: deps.log }),
  );
  try {
    return await use(mailbox);
  } finally {
    await mailbox.close().catch(() => undefined);
  }
}

/** her voice message with this uid, as `list` gives it; MessageNotFound for anything else */
async function voiceMessage(mailbox: Mailbox, uid: string): Promise<MessageInfo> {
  if (uid.length === 0 || uid.length > MAX_UID_LENGTH) throw new MessageNotFound('no such message');
  const found = (await mailbox.list('newest_first', { kind: 'voice' })).find(
    (m) => m.uid === uid && m.kind === 'voice',
  );
  if (!found) throw new MessageNotFound('no such voice message');
  return found;
}

/**
 * A number as people read it, in the groups the phone says it in: dialled here, the area code and
 * the rest ("089 5550101", as German writes it); abroad, "+33 123 456 789".
 */
function numberAsRead(number: string, location: Location): string {
  const e164 = toE164(number, location);
  if (e164 === undefined) return number;
  const here = national(e164, location);
  if (here === undefined) return phoneNumberGroups(e164).join(' ');
  // the company's own area: national() knows where its area code ends
  if (here.includes(' ')) return here;
  const nationalNumber = e164.slice(1 + location.countryCode.length);
  const trunk = here.slice(0, here.length - nationalNumber.length);
  const [area = '', ...rest] = phoneNumberGroups(e164).slice(1);
  return rest.length === 0 ? here : `${trunk}${area} ${rest.join('')}`;
}

/** the caller as people read it: the name, else the number as dialled here, else the sender */
function callerOf(m: MessageInfo, location: Location): string {
  if (m.senderName !== '') return m.senderName;
  if (m.senderNumber !== undefined) return numberAsRead(m.senderNumber, location);
  return m.sender;
}

/** 3:07 */
function durationOf(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

const LOCALE: Record<PageLanguage, string> = { de: 'de-DE', en: 'en-GB' };

/** the site's time zone; an unknown one (never from a checked bundle) falls back to UTC */
function zoneOf(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/**
 * When a message came, as people read it in the site's time zone: "heute, 14:05",
 * "gestern, 09:12", "Mo., 30.11.2026, 14:05" (English: "today, 14:05", "Mon, 30 Nov 2026, 14:05").
 */
export function whenReceived(date: Date, now: Date, language: PageLanguage, timeZone: string): string {
  const zone = zoneOf(timeZone);
  const t = TEXT[language];
  const time = new Intl.DateTimeFormat(LOCALE[language], {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
  const day = (d: Date): number => {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).formatToParts(d);
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(part('year'), part('month') - 1, part('day')) / 86_400_000;
  };
  const daysAgo = day(now) - day(date);
  if (daysAgo === 0) return `${t.today}, ${time}`;
  if (daysAgo === 1) return `${t.yesterday}, ${time}`;
  const calendar = new Intl.DateTimeFormat(LOCALE[language], {
    timeZone: zone,
    weekday: 'short',
    day: language === 'de' ? '2-digit' : 'numeric',
    month: language === 'de' ? '2-digit' : 'short',
    year: 'numeric',
  }).format(date);
  return `${calendar}, ${time}`;
}

const messageUrl = (uid: string, what: 'audio' | 'heard' | 'delete'): string =>
  `/messages/${encodeURIComponent(uid)}/${what}`;

function messageItem(m: MessageInfo, o: { deps: WebDeps; language: PageLanguage; csrf: string }): Html {
  const t = TEXT[o.language];
  const caller = callerOf(m, o.deps.location);
  const timeZone = o.deps.bundle().officeHours?.timeZone ?? 'UTC';
  return html`<li data-testid="message-${m.uid}">
    <p>
      <strong data-testid="caller-${m.uid}">${caller}</strong>
      <span class="badge${m.isNew ? ' new' : ''}" data-testid="state-${m.uid}"
        >${m.isNew ? t.fresh : t.heard}</span
      >
    </p>
    <p class="muted">
      <time datetime="${m.date.toISOString()}" data-testid="date-${m.uid}"
        >${whenReceived(m.date, o.deps.clock(), o.language, timeZone)}</time
      >
      · ${t.duration} <span data-testid="duration-${m.uid}">${durationOf(m.durationMs)}</span>
    </p>
    <audio
      controls
      preload="none"
      src="${messageUrl(m.uid, 'audio')}"
      aria-label="${t.listen(caller)}"
      data-testid="play-${m.uid}"
    ></audio>
    <div class="actions">
      ${
        m.isNew
          ? html`<form method="post" class="inline" action="${messageUrl(m.uid, 'heard')}">
              ${csrfField(o.csrf)}<button type="submit" data-testid="heard-${m.uid}">${t.markHeard}</button>
            </form>`
          : ''
      }
      <form method="post" class="inline" action="${messageUrl(m.uid, 'delete')}">
        ${csrfField(o.csrf)}<button type="submit" class="danger" data-testid="delete-${m.uid}">
          ${t.delete}
        </button>
      </form>
    </div>
  </li>`;
}

function listBody(messages: MessageInfo[], o: { deps: WebDeps; language: PageLanguage; csrf: string }): Html {
  const t = TEXT[o.language];
  const fresh = messages.filter((m) => m.isNew).length;
  return html`<p data-testid="message-counts"><strong>${t.counts(fresh, messages.length - fresh)}</strong></p>
    <p class="muted" data-testid="message-hint">${t.hint}</p>
    ${
      messages.length === 0
        ? html`<p data-testid="message-empty">${t.empty}</p>`
        : html`<ul class="plain" data-testid="message-list">
            ${messages.map((m) => messageItem(m, o))}
          </ul>`
    }`;
}

/** the frame of this page for her (never cached: it lists callers), its forms with one CSRF token */
function framed(
  request: FastifyRequest,
  reply: FastifyReply,
  owner: WebOwner,
  body: (csrf: string) => Html,
  notice?: { kind: 'ok' | 'error'; text: string },
): string {
  const language = request.pageLanguage;
  const csrf = reply.generateCsrf();
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
  return page({
    language,
    title: TEXT[language].title,
    csrf,
    owner: { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin },
    current: 'messages',
    notice,
    body: body(csrf),
  }).text;
}

/**
 * A failure as her page says it: the mailbox unreachable (503), not set up (503), the message
 * gone or not hers (404), too large or not matching its signature (410). Anything else is thrown
 * on to the app's error handler.
 */
function failure(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: WebDeps,
  owner: WebOwner,
): string {
  const t = TEXT[request.pageLanguage];
  const answer = (status: number, text: string, log?: 'warn') => {
    if (log)
      deps.log.warn({ user: owner.user.id, err: (error as Error).message }, 'web: mailbox unavailable');
    reply.code(status);
    return framed(request, reply, owner, () => html`<p><a href="/messages">${t.back}</a></p>`, {
      kind: 'error',
      text,
    });
  };
  if (error instanceof MailboxUnavailable) return answer(503, t.unavailable, 'warn');
  if (error instanceof NoMailboxStore) return answer(503, t.notConfigured);
  if (error instanceof MessageNotFound) return answer(404, t.notFound);
  if (error instanceof MessageTooLarge) return answer(410, t.tooLarge);
  if (error instanceof MessageUnreadable) {
    deps.log.warn(
      { user: owner.user.id, err: error.message },
      'web: voice message does not match its signature',
    );
    return answer(410, t.unreadable);
  }
  throw error;
}

interface UidRoute {
  Params: { uid: string };
}

export const registerMessages: PageModule = (app, deps, guard) => {
  app.get<{ Querystring: { done?: string } }>(
    '/messages',
    { preHandler: guard.messages },
    async (request, reply) => {
      const owner = request.owner!;
      const language = request.pageLanguage;
      try {
        const messages = await withMailbox(deps, owner, (m) => m.list('newest_first', { kind: 'voice' }));
        const done = request.query.done;
        return framed(
          request,
          reply,
          owner,
          (csrf) =>
            listBody(
              messages.filter((m) => m.kind === 'voice'),
              { deps, language, csrf },
            ),
          isDone(done) ? { kind: 'ok', text: TEXT[language].done[done] } : undefined,
        );
      } catch (error) {
        if (error instanceof NoMailboxStore) {
          return framed(request, reply, owner, () => html``, {
            kind: 'error',
            text: TEXT[language].notConfigured,
          });
        }
        return failure(error, request, reply, deps, owner);
      }
    },
  );

  app.get<UidRoute>('/messages/:uid/audio', { preHandler: guard.messages }, async (request, reply) => {
    const owner = request.owner!;
    const root = join(deps.media.local, 'web-audio');
    const dir = join(root, randomBytes(12).toString('hex'));
    try {
      await mkdir(root, { recursive: true, mode: 0o700 });
      await mkdir(dir, { mode: 0o700 });
      const path = await withMailbox(deps, owner, async (m) => {
        const message = await voiceMessage(m, request.params.uid);
        return m.voiceAudio(message.uid, dir);
      });
      // the open file is streamed; its folder goes at once, so nothing of her messages stays
      // behind whether the browser listens to the end or goes away
      const file = await open(path, 'r');
      const size = await file.stat().then(
        (s) => s.size,
        async (e: unknown) => {
          await file.close();
          throw e;
        },
      );
      await rm(dir, { recursive: true, force: true });
      return reply
        .type('audio/wav')
        .header('cache-control', 'no-store')
        .header('content-length', size)
        .send(file.createReadStream());
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      return failure(error, request, reply, deps, owner);
    }
  });

  app.post<UidRoute>('/messages/:uid/heard', { preHandler: guard.messages }, async (request, reply) => {
    const owner = request.owner!;
    try {
      await withMailbox(deps, owner, async (m) =>
        m.markSeen((await voiceMessage(m, request.params.uid)).uid),
      );
      return reply.redirect('/messages?done=heard', 303);
    } catch (error) {
      return failure(error, request, reply, deps, owner);
    }
  });

  app.post<UidRoute>('/messages/:uid/delete', { preHandler: guard.messages }, async (request, reply) => {
    const owner = request.owner!;
    try {
      await withMailbox(deps, owner, async (m) => m.delete((await voiceMessage(m, request.params.uid)).uid));
      deps.log.info({ user: owner.user.id, uid: request.params.uid, web: true }, 'voice message deleted');
      return reply.redirect('/messages?done=deleted', 303);
    } catch (error) {
      return failure(error, request, reply, deps, owner);
    }
  });
};
