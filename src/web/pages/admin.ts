// The admin's page (/admin): the company greeting per language, and the lookup and unlock of a
// user — what `voicebox user show` and `voicebox user unlock` do, for an owner listed in
// web.admins. Every change is audited with the admin's own mailbox number as `by`.
//
// data-testid: company-<language>, company-file-<language>, company-play-<language>,
// company-upload-<language>, company-record-<language>, company-delete-<language>,
// lookup-form, lookup-error, user-report, lock-state, unlock.
import { basename } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
// the reply's generateCsrf() is declared by the plug-in the app registers
import type {} from '@fastify/csrf-protection';
import { AUDIO_ACCEPT } from '../audio.js';
import { WebRefusal } from '../auth.js';
import type { PageLanguage, PageModule, WebDeps } from '../context.js';
import { csrfField, html, page, type Html } from '../html.js';
import { languageName } from '../labels.js';
import {
  AUDIO_TEXT,
  answerDone,
  answerRejected,
  receiveAndSave,
  recordButton,
  rejectionText,
  sendWav,
} from './audio-card.js';

const TEXT = {
  de: {
    ...AUDIO_TEXT.de,
    title: 'Verwaltung',
    company: 'Firmenansage',
    companyIntro:
      'Anrufer hören die Firmenansage vor der Ansage der Voice-Box. Hat eine Sprache keine eigene, spielt die allgemeine (company.wav), wenn es sie gibt.',
    language: (l: string) => `Sprache: ${l}`,
    plays: 'Es spielt',
    forAll: 'die allgemeine für alle Sprachen',
    none: 'Keine Firmenansage',
    lookup: 'Benutzer nachschlagen',
    lookupLabel: 'Voice-Box-Nummer oder Benutzername',
    find: 'Suchen',
    locked: (since: string) => `Die Anmeldung ist gesperrt (seit ${since}).`,
    wrongPins: (n: number) => `${n} falsche PIN-Eingabe${n === 1 ? '' : 'n'} seit der letzten richtigen.`,
    unlock: 'Entsperren',
    done: {
      'company-saved': 'Die Firmenansage ist gespeichert.',
      'company-deleted': 'Die Firmenansage ist gelöscht.',
      unlocked: 'Die Anmeldung ist entsperrt.',
    },
    error: {
      ...AUDIO_TEXT.de.error,
      'not-found': 'Diesen Benutzer gibt es nicht (mehr).',
    },
  },
  en: {
    ...AUDIO_TEXT.en,
    title: 'Administration',
    company: 'Company greeting',
    companyIntro:
      "Callers hear the company greeting before the voice box's greeting. Where a language has none of its own, the general one (company.wav) plays, if there is one.",
    language: (l: string) => `Language: ${l}`,
    plays: 'Playing',
    forAll: 'the general one for every language',
    none: 'No company greeting',
    lookup: 'Look up a user',
    lookupLabel: 'Voice box number or user name',
    find: 'Look up',
    locked: (since: string) => `The login is locked (since ${since}).`,
    wrongPins: (n: number) => `${n} wrong PIN${n === 1 ? '' : 's'} since the last right one.`,
    unlock: 'Unlock',
    done: {
      'company-saved': 'The company greeting is saved.',
      'company-deleted': 'The company greeting is deleted.',
      unlocked: 'The login is unlocked.',
    },
    error: {
      ...AUDIO_TEXT.en.error,
      'not-found': 'There is no such user (any more).',
    },
  },
} as const;

type ErrorKey = keyof (typeof TEXT)['de']['error'];

/** a longer text is no mailbox number or login: it is cut rather than sent to the directory */
const MAX_QUERY = 200;

/** the languages the menus speak, the default first (the order an admin thinks of them) */
function menuLanguages(deps: WebDeps): string[] {
  const rules = deps.bundle().languages;
  return [
    ...new Set([
      rules.default,
      ...rules.offered,
      ...rules.byCallerPrefix.map((r) => r.language),
      rules.otherwise,
    ]),
  ];
}

/** one value of a query or form field; a repeated field (an array) or anything else counts as absent */
function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `key` is one of the table's own keys (not `toString` or another inherited name) */
function isKey<K extends string>(table: Record<K, unknown>, key: string | undefined): key is K {
  return key !== undefined && Object.prototype.hasOwnProperty.call(table, key);
}

function errorText(deps: WebDeps, language: PageLanguage, key: ErrorKey): string {
  return key === 'not-found' ? TEXT[language].error[key] : rejectionText(deps, language, key);
}

/** the admin as the audit names her: her mailbox number */
function adminName(request: FastifyRequest): string {
  const owner = request.owner;
  if (!owner) throw new WebRefusal(403, 'forbidden');
  return owner.user.mailbox || owner.user.login || owner.user.id;
}

async function companyCard(
  deps: WebDeps,
  language: PageLanguage,
  csrf: string,
  spoken: string,
): Promise<Html> {
  const t = TEXT[language];
  const audio = await deps.greetings.company(spoken);
  const file = audio ? basename(audio.localPath) : undefined;
  // company() falls back to company.wav: only the language's own file is deleted here
  const own = file === `company.${spoken}.wav`;
  const url = `/admin/company/${encodeURIComponent(spoken)}`;
  const inputId = `company-file-input-${spoken}`;
  return html`<fieldset class="card" data-testid="company-${spoken}">
    <legend>${t.language(languageName(language, spoken))}</legend>
    ${
      audio
        ? html`<p data-testid="company-file-${spoken}">
              ${t.plays}: <code>${file}</code>${own ? '' : html` (${t.forAll})`}
            </p>
            <audio controls preload="none" src="${url}/audio" data-testid="company-play-${spoken}"></audio>`
        : html`<p class="muted" data-testid="company-file-${spoken}">${t.none}</p>`
    }
    <form
      method="post"
      action="${url}"
      enctype="multipart/form-data"
      class="upload"
      data-testid="company-upload-${spoken}"
    >
      ${csrfField(csrf)}
      <label for="${inputId}">${t.file}</label>
      <input id="${inputId}" type="file" name="audio" accept="${AUDIO_ACCEPT}" required />
      <button type="submit">${t.upload}</button>
    </form>
    ${recordButton(deps, language, { url, testid: `company-record-${spoken}`, className: 'record' })}
    ${
      own
        ? html`<form method="post" action="${url}/delete" class="delete">
            ${csrfField(csrf)}
            <button type="submit" class="danger" data-testid="company-delete-${spoken}">${t.remove}</button>
          </form>`
        : ''
    }
  </fieldset>`;
}

/** her report as `voicebox user show` gives it, and the unlock when she is locked or has wrong PINs */
async function lookupResult(deps: WebDeps, language: PageLanguage, csrf: string, q: string): Promise<Html> {
  const t = TEXT[language];
  let user;
  try {
    user = await deps.admin.find(q);
  } catch (e) {
    // the admin operations say why in their message (not found, not a number, no server answers)
    return html`<p class="notice error" role="alert" data-testid="lookup-error">
      ${e instanceof Error ? e.message : String(e)}
    </p>`;
  }
  const { lockedAt, wrongPinCount } = user.settings;
  const lockState = [lockedAt ? t.locked(lockedAt) : '', wrongPinCount > 0 ? t.wrongPins(wrongPinCount) : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="table-wrap">
      <table data-testid="user-report">
        <tbody>
          ${deps.admin.report(user).map(
            ([label, value]) =>
              html`<tr>
                <th scope="row">${label}</th>
                <td>${value}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      lockState
        ? html`<p data-testid="lock-state">${lockState}</p>
            <form method="post" action="/admin/unlock">
              ${csrfField(csrf)}<input type="hidden" name="user" value="${user.mailbox || user.id}" />
              <button type="submit" data-testid="unlock">${t.unlock}</button>
            </form>`
        : ''
    }`;
}

async function adminPage(deps: WebDeps, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const language = request.pageLanguage;
  const t = TEXT[language];
  const query = (request.query ?? {}) as Record<string, unknown>;
  const q = (single(query.q) ?? '').trim().slice(0, MAX_QUERY);
  const done = single(query.done);
  const error = single(query.error);
  const csrf = reply.generateCsrf();
  // only the page's own notices: never a text from the query
  const notice = isKey(t.done, done)
    ? { kind: 'ok' as const, text: t.done[done] }
    : isKey(t.error, error)
      ? { kind: 'error' as const, text: errorText(deps, language, error) }
      : undefined;
  const cards: Html[] = [];
  for (const spoken of menuLanguages(deps)) cards.push(await companyCard(deps, language, csrf, spoken));
  const owner = request.owner;
  const body = html`<section aria-labelledby="company">
      <h2 id="company">${t.company}</h2>
      <p class="muted">${t.companyIntro}</p>
      ${cards}
    </section>
    <section aria-labelledby="lookup">
      <h2 id="lookup">${t.lookup}</h2>
      <form method="get" action="/admin" class="card" data-testid="lookup-form">
        <label for="lookup-q">${t.lookupLabel}</label>
        <input id="lookup-q" type="text" name="q" value="${q}" maxlength="${MAX_QUERY}" required />
        <button type="submit">${t.find}</button>
      </form>
      ${q ? await lookupResult(deps, language, csrf, q) : ''}
    </section>`;
  return page({
    language,
    title: t.title,
    csrf,
    owner: owner && { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin },
    current: 'admin',
    notice,
    body,
    scripts: ['record.js'],
  }).text;
}

export const registerAdmin: PageModule = (app, deps, guard) => {
  /** the language in the path if the menus speak it; anything else is no page (and never a file name) */
  const spokenLanguage = (request: FastifyRequest): string => {
    const wanted = single((request.params as Record<string, unknown> | undefined)?.language);
    const known = menuLanguages(deps).find((l) => l === wanted);
    if (known === undefined) throw new WebRefusal(404, 'not_found');
    return known;
  };

  app.get('/admin', { preHandler: guard.admin }, async (request, reply) => {
    const body = await adminPage(deps, request, reply);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  });

  app.get('/admin/company/:language/audio', { preHandler: guard.admin }, async (request, reply) => {
    const audio = await deps.greetings.company(spokenLanguage(request));
    return sendWav(reply, audio?.localPath);
  });

  app.post('/admin/company/:language', { preHandler: guard.admin }, async (request, reply) => {
    const language = spokenLanguage(request);
    const by = adminName(request);
    const result = await receiveAndSave(deps, request, (file) => deps.greetings.saveCompany(language, file));
    if (typeof result === 'string') return answerRejected(deps, request, reply, '/admin', result);
    await deps.admin.audit(by, 'company greeting', { language, seconds: result.seconds.toFixed(1) });
    deps.log.info({ web: true, by, language }, 'company greeting saved');
    return answerDone(request, reply, '/admin?done=company-saved');
  });

  app.post('/admin/company/:language/delete', { preHandler: guard.admin }, async (request, reply) => {
    const language = spokenLanguage(request);
    const by = adminName(request);
    await deps.greetings.deleteCompany(language);
    await deps.admin.audit(by, 'company greeting deleted', { language });
    deps.log.info({ web: true, by, language }, 'company greeting deleted');
    return answerDone(request, reply, '/admin?done=company-deleted');
  });

  app.post('/admin/unlock', { preHandler: guard.admin }, async (request, reply) => {
    const by = adminName(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const wanted = (single(body.user) ?? '').trim().slice(0, MAX_QUERY);
    let user;
    try {
      if (!wanted) throw new Error('no user given');
      user = await deps.admin.find(wanted);
    } catch {
      return reply.redirect(`/admin?error=not-found&q=${encodeURIComponent(wanted)}`, 303);
    }
    // the operation writes its own audit line, as `voicebox user unlock` does
    await deps.admin.unlock(user, by);
    return reply.redirect(`/admin?q=${encodeURIComponent(user.mailbox || user.id)}&done=unlocked`, 303);
  });
};
