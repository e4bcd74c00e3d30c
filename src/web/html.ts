// Server-rendered HTML: a tagged template that escapes every value it is given, so a caller's
// name, a mail's subject or a directory value can never become markup. Only `Html` (the result
// of `html`...``) is inserted as it is; everything else is text.
import type { PageLanguage } from './context.js';

/** Markup made by `html` (or `raw` for a constant the code wrote): inserted unescaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** text as HTML text or attribute value (both quoted kinds) */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** `html`<p>${name}</p>``: every value escaped unless it is Html; arrays joined; null/undefined/false nothing */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** markup the code itself wrote (a constant); never a value from outside */
export const raw = (text: string): Html => new Html(text);

/** the hidden CSRF field every form carries (@fastify/csrf-protection reads `_csrf`) */
export const csrfField = (token: string): Html => html`<input type="hidden" name="_csrf" value="${token}" />`;

export interface PageFrame {
  readonly language: PageLanguage;
  readonly title: string;
  /** the CSRF token for the forms of the frame (the logout button) */
  readonly csrf: string;
  /** logged in: her name and the navigation; undefined on the login page */
  readonly owner?: { readonly name: string; readonly messages: boolean; readonly admin: boolean } | undefined;
  /** which navigation entry is this page */
  readonly current?: 'box' | 'greetings' | 'messages' | 'admin';
  /** a notice at the top (`ok` after a change, `error` when it was refused), already in the page's language */
  readonly notice?: { readonly kind: 'ok' | 'error'; readonly text: string } | undefined;
  readonly body: Html;
  /** page-specific scripts under /static (the recorder) */
  readonly scripts?: readonly string[];
}

const NAV = {
  de: {
    box: 'Meine Voice-Box',
    greetings: 'Ansagen',
    messages: 'Nachrichten',
    admin: 'Verwaltung',
    logout: 'Abmelden',
  },
  en: {
    box: 'My voice box',
    greetings: 'Greetings',
    messages: 'Messages',
    admin: 'Administration',
    logout: 'Log out',
  },
} as const;

/** the whole document around a page's body: header, navigation, notice, logout */
export function page(f: PageFrame): Html {
  const t = NAV[f.language];
  const link = (key: 'box' | 'greetings' | 'messages' | 'admin', href: string) =>
    html`<a href="${href}" ${f.current === key ? raw(' aria-current="page"') : ''}>${t[key]}</a>`;
  const nav = f.owner
    ? html`<nav aria-label="voicebox">
        ${link('box', '/box')} ${link('greetings', '/greetings')}
        ${f.owner.messages ? link('messages', '/messages') : ''}
        ${f.owner.admin ? link('admin', '/admin') : ''}
        <form method="post" action="/logout" class="logout">
          ${csrfField(f.csrf)}<button type="submit" data-testid="logout">${t.logout}</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="${f.language}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${f.title} – voicebox</title>
        <link rel="stylesheet" href="/static/style.css" />
      </head>
      <body>
        <header>
          <span class="brand">voicebox</span
          >${f.owner ? html`<span class="who" data-testid="who">${f.owner.name}</span>` : ''}
        </header>
        ${nav}
        <main>
          <h1>${f.title}</h1>
          ${f.notice ? html`<p class="notice ${f.notice.kind}" role="${f.notice.kind === 'error' ? 'alert' : 'status'}" data-testid="notice">${f.notice.text}</p>` : ''}
          ${f.body}
        </main>
        ${(f.scripts ?? []).map((s) => html`<script src="/static/${s}" defer></script>`)}
      </body>
    </html>`;
}
