// The admin's page (/admin): the company greeting per language, and the lookup and unlock of a
// user — what `voicebox user show` and `voicebox user unlock` do, for an owner listed in
// web.admins. Every change is audited with the admin's own mailbox number as `by`.
//
// data-testid: company-<language>, company-file-<language>, company-play-<language>,
// company-upload-<language>, company-record-<language>, company-delete-<language>,
// lookup-form, lookup-error, user-report, lock-state, unlock.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
// the reply's generateCsrf() is declared by the plug-in the app registers
import type {} from '@fastify/csrf-protection';
import { AUDIO_ACCEPT, AudioRejected, receiveAudio, type AudioRejectReason } from '../audio.js';
import { WebRefusal } from '../auth.js';
import type { PageLanguage, PageModule, WebDeps } from '../context.js';
import { csrfField, html, page, type Html } from '../html.js';
import { languageName } from '../labels.js';

const TEXT = {
  de: {
    title: 'Verwaltung',
    company: 'Firmenansage',
    companyIntro:
      'Anrufer hören die Firmenansage vor der Ansage der Voice-Box. Hat eine Sprache keine eigene, spielt die allgemeine (company.wav), wenn es sie gibt.',
    language: (l: string) => `Sprache: ${l}`,
    plays: 'Es spielt',
    forAll: 'die allgemeine für alle Sprachen',
    none: 'Keine Firmenansage',
    file: 'Datei (WAV, MP3 oder Ogg)',
    upload: 'Hochladen',
    record: 'Aufnehmen',
    stop: 'Stopp',
    save: 'Speichern',
    discard: 'Verwerfen',
    remove: 'Löschen',
    recording: 'Aufnahme läuft …',
    recorded: 'Bitte anhören, dann speichern oder verwerfen.',
    saving: 'Wird gespeichert …',
    failed: 'Die Aufnahme konnte nicht gespeichert werden.',
    denied: 'Kein Zugriff auf das Mikrofon. Bitte erlauben Sie es im Browser.',
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
      not_audio: 'Die Datei ist keine Audiodatei (WAV, MP3 oder Ogg).',
      too_long: (s: number) => `Die Aufnahme ist länger als ${s} Sekunden.`,
      too_large: (mb: string) => `Die Datei ist größer als ${mb} MB.`,
      empty: 'Die Datei ist leer, oder in der Aufnahme ist nichts zu hören.',
      missing: 'Es wurde keine Datei mitgeschickt.',
      'not-found': 'Diesen Benutzer gibt es nicht (mehr).',
    },
  },
  en: {
    title: 'Administration',
    company: 'Company greeting',
    companyIntro:
      "Callers hear the company greeting before the voice box's greeting. Where a language has none of its own, the general one (company.wav) plays, if there is one.",
    language: (l: string) => `Language: ${l}`,
    plays: 'Playing',
    forAll: 'the general one for every language',
    none: 'No company greeting',
    file: 'File (WAV, MP3 or Ogg)',
    upload: 'Upload',
    record: 'Record',
    stop: 'Stop',
    save: 'Save',
    discard: 'Discard',
    remove: 'Delete',
    recording: 'Recording …',
    recorded: 'Listen, then save or discard it.',
    saving: 'Saving …',
    failed: 'The recording could not be saved.',
    denied: 'No access to the microphone. Please allow it in the browser.',
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
      not_audio: 'The file is not audio (WAV, MP3 or Ogg).',
      too_long: (s: number) => `The recording is longer than ${s} seconds.`,
      too_large: (mb: string) => `The file is larger than ${mb} MB.`,
      empty: 'The file is empty, or nothing can be heard in the recording.',
      missing: 'No file was sent.',
      'not-found': 'There is no such user (any more).',
    },
  },
} as const;

type DoneKey = keyof (typeof TEXT)['de']['done'];
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

const megabytes = (language: PageLanguage, bytes: number) =>
  new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(bytes / (1024 * 1024));

/** one value of a query or form field; a repeated field (an array) or anything else counts as absent */
function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `key` is one of the table's own keys (not `toString` or another inherited name) */
function isKey<K extends string>(table: Record<K, unknown>, key: string | undefined): key is K {
  return key !== undefined && Object.prototype.hasOwnProperty.call(table, key);
}

function errorText(deps: WebDeps, language: PageLanguage, key: ErrorKey): string {
  const t = TEXT[language].error;
  if (key === 'too_long') return t.too_long(deps.config.web.maxGreetingSeconds);
  if (key === 'too_large') return t.too_large(megabytes(language, deps.config.web.maxUploadBytes));
  return t[key];
}

/** the admin as the audit names her: her mailbox number */
function adminName(request: FastifyRequest): string {
  const owner = request.owner;
  if (!owner) throw new WebRefusal(403, 'forbidden');
  return owner.user.mailbox || owner.user.login || owner.user.id;
}

/** record.js asks with fetch() and wants JSON; a form wants to be sent back to the page */
const wantsJson = (request: FastifyRequest) => (request.headers.accept ?? '').includes('application/json');

function answerDone(request: FastifyRequest, reply: FastifyReply, key: DoneKey): FastifyReply {
  const location = `/admin?done=${key}`;
  if (wantsJson(request)) return reply.send({ ok: true, location });
  return reply.redirect(location, 303);
}

function answerRejected(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  reason: AudioRejectReason,
) {
  if (wantsJson(request))
    return reply
      .code(reason === 'too_large' ? 413 : 422)
      .send({ ok: false, error: errorText(deps, request.pageLanguage, reason) });
  return reply.redirect(`/admin?error=${reason}`, 303);
}

/** the recorder of record.js, with the same attributes as on the greetings page */
function recordButton(deps: WebDeps, language: PageLanguage, url: string, testid: string): Html {
  const t = TEXT[language];
  return html`<button
    type="button"
    class="record"
    hidden
    data-testid="${testid}"
    data-record-url="${url}"
    data-max-seconds="${deps.config.web.maxGreetingSeconds}"
    data-max-bytes="${deps.config.web.maxUploadBytes}"
    data-state="idle"
    data-text-record="${t.record}"
    data-text-stop="${t.stop}"
    data-text-save="${t.save}"
    data-text-discard="${t.discard}"
    data-text-recording="${t.recording}"
    data-text-recorded="${t.recorded}"
    data-text-saving="${t.saving}"
    data-text-failed="${t.failed}"
    data-text-denied="${t.denied}"
    data-text-too-long="${errorText(deps, language, 'too_long')}"
    data-text-too-large="${errorText(deps, language, 'too_large')}"
  >
    ${t.record}
  </button>`;
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
    ${recordButton(deps, language, url, `company-record-${spoken}`)}
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

/** a WAV, or 404; opened first, so a file deleted meanwhile is a 404 and not a broken stream */
async function sendWav(reply: FastifyReply, path: string | undefined): Promise<FastifyReply> {
  if (path === undefined) throw new WebRefusal(404, 'not_found');
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    throw new WebRefusal(404, 'not_found');
  }
  const { size } = await handle.stat();
  return reply
    .type('audio/wav')
    .header('cache-control', 'no-store')
    .header('content-length', size)
    .send(handle.createReadStream());
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
    let received;
    try {
      received = await receiveAudio(request, deps);
    } catch (e) {
      if (e instanceof AudioRejected) return answerRejected(deps, request, reply, e.reason);
      throw e;
    }
    try {
      await deps.greetings.saveCompany(language, received.file);
    } finally {
      await received.done();
    }
    await deps.admin.audit(by, 'company greeting', { language, seconds: received.seconds.toFixed(1) });
    deps.log.info({ web: true, by, language }, 'company greeting saved');
    return answerDone(request, reply, 'company-saved');
  });

  app.post('/admin/company/:language/delete', { preHandler: guard.admin }, async (request, reply) => {
    const language = spokenLanguage(request);
    const by = adminName(request);
    await deps.greetings.deleteCompany(language);
    await deps.admin.audit(by, 'company greeting deleted', { language });
    deps.log.info({ web: true, by, language }, 'company greeting deleted');
    return answerDone(request, reply, 'company-deleted');
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
