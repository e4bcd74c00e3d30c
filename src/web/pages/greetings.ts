// Her greetings (/greetings): per profile and language of the menus — listen, upload a file,
// record one in the browser (record.js), delete — and her recorded name. The same files the
// phone's settings menu records (the Greetings port), so a greeting made here is the one callers
// hear. A file from the browser becomes a greeting only through audio.ts (checked, converted).
//
// What the admin hides from the phone is hidden here: without menu.allow_delete_greetings
// there is no delete button and its POST is refused. Her recorded name is hers to delete always.
//
// data-testid: greeting-<profile>-<language>, play-<profile>-<language>, upload-<profile>-<language>,
// record-<profile>-<language>, delete-<profile>-<language>, name, play-name, upload-name, record-name,
// delete-name. record.js adds <record testid>-status, -preview, -save, -discard and sets the
// button's data-state (idle, recording, recorded, saving, failed).
import type { FastifyReply, FastifyRequest } from 'fastify';
// the reply's generateCsrf() is declared by the plug-in the app registers
import type {} from '@fastify/csrf-protection';
import type { Bundle } from '../../graph/index.js';
import { WebRefusal } from '../auth.js';
import { AUDIO_ACCEPT } from '../audio.js';
import type { PageLanguage, PageModule, WebDeps, WebOwner } from '../context.js';
import { csrfField, html, page, type Html } from '../html.js';
import { languageName, profileLabel } from '../labels.js';
import {
  AUDIO_TEXT,
  answerDone,
  answerRejected,
  megabytes,
  receiveAndSave,
  recordButton,
  rejectionText,
  sendWav,
} from './audio-card.js';

const TEXT = {
  de: {
    ...AUDIO_TEXT.de,
    title: 'Ansagen',
    intro:
      'Anrufer hören die Ansage des Profils, das gerade gilt, in ihrer Sprache. Fehlt sie, hören sie Ihre Ansage in einer anderen Sprache oder die Standardansage.',
    none: 'Keine Ansage',
    noName: 'Kein Name aufgenommen',
    name: 'Ihr Name',
    nameIntro: 'Ihren aufgenommenen Namen hören Anrufer in der Standardansage.',
    limits: (seconds: number, mb: string) => `Höchstens ${seconds} Sekunden und ${mb} MB.`,
    language: (l: string) => `Sprache: ${l}`,
    done: {
      saved: 'Die Ansage ist gespeichert.',
      deleted: 'Die Ansage ist gelöscht.',
      'name-saved': 'Ihr Name ist gespeichert.',
      'name-deleted': 'Ihr Name ist gelöscht.',
    },
  },
  en: {
    ...AUDIO_TEXT.en,
    title: 'Greetings',
    intro:
      'Callers hear the greeting of the profile in force, in their language. Where there is none, they hear your greeting in another language or the standard greeting.',
    none: 'No greeting',
    noName: 'No name recorded',
    name: 'Your name',
    nameIntro: 'Callers hear your recorded name in the standard greeting.',
    limits: (seconds: number, mb: string) => `At most ${seconds} seconds and ${mb} MB.`,
    language: (l: string) => `Language: ${l}`,
    done: {
      saved: 'The greeting is saved.',
      deleted: 'The greeting is deleted.',
      'name-saved': 'Your name is saved.',
      'name-deleted': 'Your name is deleted.',
    },
  },
} as const;

const has = <K extends string>(table: Record<K, unknown>, key: unknown): key is K =>
  typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key);

/** the profiles a greeting can be recorded for: the menus' profiles and the internal callers' one */
export function greetingProfiles(bundle: Bundle): string[] {
  const p = bundle.profiles;
  return [...new Set([...p.available, ...(p.internal ? [p.internal] : [])])];
}

/** the languages the menus speak (default, offered, by caller, otherwise), each once, the default first */
export function menuLanguages(bundle: Bundle): string[] {
  const l = bundle.languages;
  return [...new Set([l.default, ...l.offered, ...l.byCallerPrefix.map((r) => r.language), l.otherwise])];
}

function ownerOf(request: FastifyRequest): WebOwner {
  if (!request.owner) throw new Error('the greetings page was reached without a logged-in owner');
  return request.owner;
}

/** the profile and language of the path, if the menus have them; anything else is a page that does not exist */
function checkedPath(deps: WebDeps, params: unknown): { profile: string; language: string } {
  const { profile, language } = (params ?? {}) as { profile?: unknown; language?: unknown };
  const bundle = deps.bundle();
  const knownProfile = greetingProfiles(bundle).find((p) => p === profile);
  const knownLanguage = menuLanguages(bundle).find((l) => l === language);
  if (knownProfile === undefined || knownLanguage === undefined) throw new WebRefusal(404, 'not_found');
  return { profile: knownProfile, language: knownLanguage };
}

function uploadForm(language: PageLanguage, csrf: string, action: string, testid: string, id: string): Html {
  const t = TEXT[language];
  // the CSRF field comes before the file: the app reads it before the upload
  return html`<form
    method="post"
    action="${action}"
    enctype="multipart/form-data"
    class="upload actions"
    data-testid="${testid}"
  >
    ${csrfField(csrf)}
    <label for="${id}">${t.file}</label>
    <input id="${id}" type="file" name="audio" accept="${AUDIO_ACCEPT}" required />
    <button type="submit">${t.upload}</button>
  </form>`;
}

function deleteForm(
  language: PageLanguage,
  csrf: string,
  action: string,
  testid: string,
  what: string,
): Html {
  return html`<form method="post" action="${action}" class="delete inline">
    ${csrfField(csrf)}
    <button
      type="submit"
      class="danger"
      data-testid="${testid}"
      aria-label="${TEXT[language].remove}: ${what}"
    >
      ${TEXT[language].remove}
    </button>
  </form>`;
}

async function greetingsPage(deps: WebDeps, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const owner = ownerOf(request);
  const language = request.pageLanguage;
  const t = TEXT[language];
  const csrf = reply.generateCsrf();
  const mailbox = owner.user.mailbox;
  const bundle = deps.bundle();
  const languages = menuLanguages(bundle);
  const mayDelete = deps.config.menu.allow_delete_greetings;

  const profileCards: Html[] = [];
  for (const profile of greetingProfiles(bundle)) {
    const profileName = profileLabel(profile, language);
    const rows: Html[] = [];
    for (const spoken of languages) {
      const key = `${profile}-${spoken}`;
      const url = `/greetings/${encodeURIComponent(profile)}/${encodeURIComponent(spoken)}`;
      const recorded = await deps.greetings.greeting(mailbox, profile, spoken);
      const what = `${profileName}, ${languageName(language, spoken)}`;
      rows.push(
        html`<section class="greeting" data-testid="greeting-${key}" aria-label="${what}">
          <h3>${t.language(languageName(language, spoken))}</h3>
          ${
            recorded
              ? html`<audio
                  controls
                  preload="none"
                  src="/greetings/audio/${encodeURIComponent(profile)}/${encodeURIComponent(spoken)}"
                  data-testid="play-${key}"
                ></audio>`
              : html`<p class="muted">${t.none}</p>`
          }
          ${uploadForm(language, csrf, url, `upload-${key}`, `file-${key}`)}
          <div class="actions">
            ${recordButton(deps, language, { url, testid: `record-${key}`, className: 'record secondary' })}
            ${recorded && mayDelete ? deleteForm(language, csrf, `${url}/delete`, `delete-${key}`, what) : ''}
          </div>
        </section>`,
      );
    }
    profileCards.push(
      html`<fieldset class="card" data-testid="profile-${profile}">
        <legend>${profileName}</legend>
        ${rows}
      </fieldset>`,
    );
  }

  const name = await deps.greetings.name(mailbox);
  const nameCard = html`<fieldset class="card" data-testid="name">
    <legend>${t.name}</legend>
    <p class="muted">${t.nameIntro}</p>
    ${
      name
        ? html`<audio controls preload="none" src="/greetings/name/audio" data-testid="play-name"></audio>`
        : html`<p class="muted">${t.noName}</p>`
    }
    ${uploadForm(language, csrf, '/greetings/name', 'upload-name', 'file-name')}
    <div class="actions">
      ${recordButton(deps, language, { url: '/greetings/name', testid: 'record-name', className: 'record secondary' })}
      ${name ? deleteForm(language, csrf, '/greetings/name/delete', 'delete-name', t.name) : ''}
    </div>
  </fieldset>`;

  const { done, error } = (request.query ?? {}) as { done?: unknown; error?: unknown };
  const notice = has(t.done, done)
    ? { kind: 'ok' as const, text: t.done[done] }
    : has(t.error, error)
      ? { kind: 'error' as const, text: rejectionText(deps, language, error) }
      : undefined;

  return page({
    language,
    title: t.title,
    csrf,
    owner: { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin },
    current: 'greetings',
    notice,
    scripts: ['record.js'],
    body: html`<p>${t.intro}</p>
      <p class="muted">
        ${t.limits(deps.config.web.maxGreetingSeconds, megabytes(language, deps.config.web.maxUploadBytes))}
      </p>
      ${nameCard} ${profileCards}`,
  }).text;
}

export const registerGreetings: PageModule = (app, deps, guard) => {
  const owner = { preHandler: guard.owner };

  app.get('/greetings', owner, async (request, reply) => {
    const body = await greetingsPage(deps, request, reply);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  });

  app.get('/greetings/audio/:profile/:language', owner, async (request, reply) => {
    const { profile, language } = checkedPath(deps, request.params);
    const stored = await deps.greetings.greeting(ownerOf(request).user.mailbox, profile, language);
    return sendWav(reply, stored?.localPath);
  });

  app.get('/greetings/name/audio', owner, async (request, reply) => {
    const stored = await deps.greetings.name(ownerOf(request).user.mailbox);
    return sendWav(reply, stored?.localPath);
  });

  app.post('/greetings/name', owner, async (request, reply) => {
    const mailbox = ownerOf(request).user.mailbox;
    const result = await receiveAndSave(deps, request, (file) => deps.greetings.saveName(mailbox, file));
    if (typeof result === 'string') return answerRejected(deps, request, reply, '/greetings', result);
    deps.log.info({ web: true, mailbox, seconds: Math.round(result.seconds) }, 'web name saved');
    return answerDone(request, reply, '/greetings?done=name-saved');
  });

  app.post('/greetings/name/delete', owner, async (request, reply) => {
    const mailbox = ownerOf(request).user.mailbox;
    await deps.greetings.deleteName(mailbox);
    deps.log.info({ web: true, mailbox }, 'web name deleted');
    return answerDone(request, reply, '/greetings?done=name-deleted');
  });

  app.post('/greetings/:profile/:language', owner, async (request, reply) => {
    const { profile, language } = checkedPath(deps, request.params);
    const mailbox = ownerOf(request).user.mailbox;
    const result = await receiveAndSave(deps, request, (file) =>
      deps.greetings.saveGreeting(mailbox, profile, language, file),
    );
    if (typeof result === 'string') return answerRejected(deps, request, reply, '/greetings', result);
    deps.log.info(
      { web: true, mailbox, profile, language, seconds: Math.round(result.seconds) },
      'web greeting saved',
    );
    return answerDone(request, reply, '/greetings?done=saved');
  });

  app.post('/greetings/:profile/:language/delete', owner, async (request, reply) => {
    const { profile, language } = checkedPath(deps, request.params);
    if (!deps.config.menu.allow_delete_greetings) throw new WebRefusal(403, 'forbidden');
    const mailbox = ownerOf(request).user.mailbox;
    await deps.greetings.deleteGreeting(mailbox, profile, language);
    deps.log.info({ web: true, mailbox, profile, language }, 'web greeting deleted');
    return answerDone(request, reply, '/greetings?done=deleted');
  });
};
