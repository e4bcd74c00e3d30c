// What the greetings page and the admin's page do alike with a recording: the texts of the
// record button and of a refused file, the button record.js turns into a recorder, the answer to
// an upload (JSON for record.js, a redirect back to the page for a form) and the WAV to listen to.
import { open } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AudioRejected, receiveAudio, type AudioRejectReason } from '../audio.js';
import { WebRefusal } from '../auth.js';
import type { PageLanguage, WebDeps } from '../context.js';
import { html, type Html } from '../html.js';

/** the texts of the upload form, the recorder and a refused file; each page spreads them into its own */
export const AUDIO_TEXT = {
  de: {
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
    error: {
      not_audio: 'Die Datei ist keine Audiodatei (WAV, MP3 oder Ogg).',
      too_long: (s: number) => `Die Aufnahme ist länger als ${s} Sekunden.`,
      too_large: (mb: string) => `Die Datei ist größer als ${mb} MB.`,
      empty: 'Die Datei ist leer, oder in der Aufnahme ist nichts zu hören.',
      missing: 'Es wurde keine Datei mitgeschickt.',
    },
  },
  en: {
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
    error: {
      not_audio: 'The file is not audio (WAV, MP3 or Ogg).',
      too_long: (s: number) => `The recording is longer than ${s} seconds.`,
      too_large: (mb: string) => `The file is larger than ${mb} MB.`,
      empty: 'The file is empty, or nothing can be heard in the recording.',
      missing: 'No file was sent.',
    },
  },
} as const;

export const megabytes = (language: PageLanguage, bytes: number) =>
  new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(bytes / (1024 * 1024));

/** why a file was refused, with the configured limits filled in */
export function rejectionText(deps: WebDeps, language: PageLanguage, reason: AudioRejectReason): string {
  const t = AUDIO_TEXT[language].error;
  if (reason === 'too_long') return t.too_long(deps.config.web.maxGreetingSeconds);
  if (reason === 'too_large') return t.too_large(megabytes(language, deps.config.web.maxUploadBytes));
  return t[reason];
}

/** the record button record.js turns into a recorder; hidden until the script finds a microphone API */
export function recordButton(
  deps: WebDeps,
  language: PageLanguage,
  r: { readonly url: string; readonly testid: string; readonly className: string },
): Html {
  const t = AUDIO_TEXT[language];
  return html`<button
    type="button"
    class="${r.className}"
    hidden
    data-testid="${r.testid}"
    data-record-url="${r.url}"
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
    data-text-too-long="${rejectionText(deps, language, 'too_long')}"
    data-text-too-large="${rejectionText(deps, language, 'too_large')}"
  >
    ${t.record}
  </button>`;
}

/** record.js asks with fetch() and wants JSON; a form wants to be sent back to the page */
const wantsJson = (request: FastifyRequest) => (request.headers.accept ?? '').includes('application/json');

/** done: record.js gets the page to go to, a form is sent there */
export function answerDone(request: FastifyRequest, reply: FastifyReply, location: string): FastifyReply {
  if (wantsJson(request)) return reply.send({ ok: true, location });
  return reply.redirect(location, 303);
}

/** refused: record.js gets the text to show, a form is sent back to `pagePath` with the reason */
export function answerRejected(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  pagePath: string,
  reason: AudioRejectReason,
): FastifyReply {
  if (wantsJson(request))
    return reply
      .code(reason === 'too_large' ? 413 : 422)
      .send({ ok: false, error: rejectionText(deps, request.pageLanguage, reason) });
  return reply.redirect(`${pagePath}?error=${reason}`, 303);
}

/** the recording of the request, converted, handed to `save`; the temp folder goes in any case */
export async function receiveAndSave(
  deps: WebDeps,
  request: FastifyRequest,
  save: (file: string) => Promise<void>,
): Promise<{ seconds: number } | AudioRejectReason> {
  let received;
  try {
    received = await receiveAudio(request, deps);
  } catch (e) {
    if (e instanceof AudioRejected) return e.reason;
    throw e;
  }
  try {
    await save(received.file);
  } finally {
    await received.done();
  }
  return { seconds: received.seconds };
}

/** a WAV, or 404; opened first, so a file deleted meanwhile is a 404 and not a broken stream */
export async function sendWav(reply: FastifyReply, path: string | undefined): Promise<FastifyReply> {
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
