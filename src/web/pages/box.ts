// "My voice box" (/box): what she sets by phone in the settings menu, and what the phone has no
// menu for — vacation dates, her own office hours, notifications, the mail password. What the
// phone changes through an action is changed here through the same action (`set profile`, `set
// transfer`, `clear transfer`, `set messages allowed`, `set greeting type`, `change pin`), so the
// dial policy, the PIN rules and the log lines are the phone's; the rest goes through
// `directory.updateSettings` as the admin commands write it. What the admin hides from the
// phone (menu.allow_transfer_setup, allow_greeting_type; web.officeHours) is absent here and its
// POST is refused (403).
//
// data-testid: in-force, profile-form, profile-<name>, vacation-form, vacation, from, until,
// vacation-state, office-hours-form, officeHours, offHoursProfile, breakProfile,
// profile-settings-<profile>, transferTo-<profile>, messagesAllowed-<profile>, greeting-type-form,
// greetingType-<type>, notifications-form, lamp, sms, voice, fax, smsCount, mail-password-form,
// password, pin-form, current (absent while a new PIN is required), pin, pin2.
import type { FastifyReply, FastifyRequest } from 'fastify';
// the reply's generateCsrf() and the request's session are declared by the plug-ins the app registers
import type {} from '@fastify/csrf-protection';
import type {} from '@fastify/secure-session';
import { DateTime } from 'luxon';
import { SettingsReadOnly, type DirectoryUser, type UserSettings } from '../../directory/index.js';
import { pinExpired } from '../../actions/index.js';
import { formats } from '../../phone/index.js';
import type { ActionResult } from '../../runtime/index.js';
import {
  FALLBACK_TIME_ZONE,
  dayIn,
  formatUserOfficeHours,
  isCalendarDate,
  parseUserOfficeHours,
  vacationState,
  type VacationState,
} from '../../schedule/index.js';
import type { PageLanguage, PageModule, WebDeps, WebOwner, WebSessionData } from '../context.js';
import { csrfField, html, page, raw, type Html } from '../html.js';
import { profileLabel } from '../labels.js';

/** what a change ended in: a key of DONE or ERROR, never text from the request; or her session ended */
type Outcome = { done: DoneKey } | { error: ErrorKey } | { ended: 'locked' };

type DoneKey =
  | 'profile'
  | 'vacation'
  | 'office-hours'
  | 'profile-settings'
  | 'greeting-type'
  | 'notifications'
  | 'mail-password'
  | 'pin';

type ErrorKey =
  | 'unknown-profile'
  | 'bad-date'
  | 'until-before-from'
  | 'until-past'
  | 'transfer-invalid'
  | 'transfer-refused'
  | 'bad-greeting-type'
  | 'bad-threshold'
  | 'password-empty'
  | 'mail-refused'
  | 'mail-unavailable'
  | 'pin-mismatch'
  | 'pin-too-short'
  | 'pin-trivial'
  | 'current-wrong'
  | 'new-pin'
  | 'read-only'
  | 'failed';

const DONE: Record<PageLanguage, Record<DoneKey, string>> = {
  de: {
    profile: 'Ihr Profil ist geändert.',
    vacation: 'Ihr Urlaub ist gespeichert.',
    'office-hours': 'Ihre Bürozeiten sind gespeichert.',
    'profile-settings': 'Die Einstellungen des Profils sind gespeichert.',
    'greeting-type': 'Die Art Ihrer Ansage ist gespeichert.',
    notifications: 'Ihre Benachrichtigungen sind gespeichert.',
    'mail-password': 'Das Kennwort für Ihr Postfach ist gespeichert.',
    pin: 'Ihre PIN ist geändert. Sie gilt ab sofort auch am Telefon.',
  },
  en: {
    profile: 'Your profile is changed.',
    vacation: 'Your vacation is saved.',
    'office-hours': 'Your office hours are saved.',
    'profile-settings': "The profile's settings are saved.",
    'greeting-type': 'Your greeting type is saved.',
    notifications: 'Your notifications are saved.',
    'mail-password': 'The password for your mailbox is saved.',
    pin: 'Your PIN is changed. It works on the phone from now on, too.',
  },
};

const ERROR: Record<PageLanguage, Record<ErrorKey, (o: { minPin: number }) => string>> = {
  de: {
    'unknown-profile': () => 'Dieses Profil gibt es nicht. Bitte wählen Sie eines aus der Liste.',
    'bad-date': () => 'Bitte geben Sie die Daten als Datum an (zum Beispiel 2026-12-24).',
    'until-before-from': () => 'Das Ende des Urlaubs liegt vor seinem Beginn.',
    'until-past': () => 'Das Ende des Urlaubs liegt in der Vergangenheit.',
    'transfer-invalid': () => 'Das ist keine Rufnummer, an die weitergeleitet werden kann.',
    'transfer-refused': () =>
      'Eine Weiterleitung an diese Nummer ist nicht erlaubt (zum Beispiel ins Ausland oder an eine Sondernummer).',
    'bad-greeting-type': () => 'Bitte wählen Sie eine der Arten der Ansage.',
    'bad-threshold': () => 'Die Anzahl der Nachrichten muss eine ganze Zahl von 0 bis 99 sein.',
    'password-empty': () => 'Bitte geben Sie das Kennwort ein.',
    'mail-refused': () => 'Der Mailserver hat das Kennwort abgelehnt.',
    'mail-unavailable': () =>
      'Der Mailserver ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.',
    'pin-mismatch': () => 'Die beiden PINs stimmen nicht überein.',
    'pin-too-short': ({ minPin }) => `Die PIN muss aus mindestens ${minPin} Ziffern bestehen.`,
    'pin-trivial': () =>
      'Diese PIN ist zu leicht zu erraten (wie 1111 oder 1234). Bitte wählen Sie eine andere.',
    'current-wrong': () => 'Ihre bisherige PIN stimmt nicht. Ihre PIN ist nicht geändert.',
    // the login sends her here when her PIN has expired or must be changed
    'new-pin': () => 'Bitte wählen Sie jetzt eine neue PIN.',
    'read-only': () => 'Einstellungen können zurzeit nicht gespeichert werden.',
    failed: () => 'Das hat gerade nicht geklappt. Bitte versuchen Sie es später noch einmal.',
  },
  en: {
    'unknown-profile': () => 'There is no such profile. Please choose one from the list.',
    'bad-date': () => 'Please give the dates as dates (for example 2026-12-24).',
    'until-before-from': () => 'The end of the vacation is before its start.',
    'until-past': () => 'The end of the vacation is in the past.',
    'transfer-invalid': () => 'That is not a number calls can be transferred to.',
    'transfer-refused': () =>
      'Transferring calls to this number is not allowed (for example abroad or to a premium-rate number).',
    'bad-greeting-type': () => 'Please choose one of the greeting types.',
    'bad-threshold': () => 'The number of messages must be a whole number from 0 to 99.',
    'password-empty': () => 'Please enter the password.',
    'mail-refused': () => 'The mail server refused the password.',
    'mail-unavailable': () => 'The mail server cannot be reached just now. Please try again later.',
    'pin-mismatch': () => 'The two PINs differ.',
    'pin-too-short': ({ minPin }) => `The PIN must have at least ${minPin} digits.`,
    'pin-trivial': () => 'This PIN is too easy to guess (like 1111 or 1234). Please choose another one.',
    'current-wrong': () => 'Your current PIN is not right. Your PIN is not changed.',
    'new-pin': () => 'Please choose a new PIN now.',
    'read-only': () => 'Settings cannot be saved at the moment.',
    failed: () => 'That did not work just now. Please try again later.',
  },
};

/** the menus' enum `profile_reason` in her words */
const REASON: Record<PageLanguage, Record<string, string>> = {
  de: {
    chosen: 'so, wie Sie es gewählt haben',
    vacation: 'Urlaub',
    break: 'Pause',
    off_hours: 'außerhalb der Bürozeiten',
    closed_day: 'heute ist kein Arbeitstag',
    holiday: 'Feiertag',
  },
  en: {
    chosen: 'as you chose',
    vacation: 'vacation',
    break: 'break',
    off_hours: 'outside office hours',
    closed_day: 'not a working day',
    holiday: 'public holiday',
  },
};

const TEXT = {
  de: {
    title: 'Meine Voice-Box',
    profile: 'Profil',
    profileIntro: 'Welches Profil Anrufer erreichen, wenn kein Urlaub und keine Bürozeit etwas anderes sagt.',
    inForce: (profile: string, reason: string) =>
      html`Anrufer von außen erreichen zurzeit Ihr Profil <strong>${profile}</strong> – ${reason}.`,
    save: 'Speichern',
    vacation: 'Urlaub',
    vacationOn: 'Ich bin im Urlaub',
    from: 'Vom (erster Tag)',
    until: 'Bis einschließlich (letzter Tag)',
    vacationHint: (zone: string) =>
      `Ohne Daten gilt der Urlaub, bis Sie ihn ausschalten. Die Tage gelten in der Zeitzone ${zone}. Wählen Sie hier oder am Telefon ein anderes Profil, endet ein Urlaub, der gerade gilt; ein Urlaub, der noch nicht begonnen hat, bleibt eingetragen.`,
    vacationState: {
      off: '',
      on: 'Ihr Urlaub gilt jetzt.',
      ahead: 'Ihr Urlaub ist eingetragen, hat aber noch nicht begonnen.',
      over: 'Ihr Urlaub ist vorbei.',
    } satisfies Record<VacationState, string>,
    officeHours: 'Bürozeiten',
    ownHours: 'Meine Bürozeiten',
    hoursHint: (company: string) =>
      `Leer: die Bürozeiten der Firma (${company}). „none“: nie nach Uhrzeit umschalten. Beispiel: Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; closed 12-24`,
    noCompanyHours: 'keine',
    offHoursProfile: 'Profil außerhalb der Bürozeiten',
    breakProfile: 'Profil in der Pause',
    asCompany: 'wie in der Firma',
    noSwitch: 'keines – mein gewähltes Profil bleibt',
    profileSettings: 'Einstellungen je Profil',
    transferTo: 'Weiterleitung an (Rufnummer; leer: keine)',
    messagesAllowed: 'Anrufer dürfen eine Nachricht hinterlassen',
    greetingType: 'Art der Ansage',
    individual: 'Meine eigene Ansage',
    personalized: 'Die Standardansage mit meinem aufgenommenen Namen',
    notifications: 'Benachrichtigungen',
    lamp: 'Nachrichtenanzeige am Telefon',
    sms: 'SMS an mein Mobiltelefon',
    thresholdsIntro:
      'Nach wie vielen neuen Nachrichten Sie benachrichtigt werden (0: nie; leer: Voreinstellung).',
    voice: 'Sprachnachrichten',
    fax: 'Faxe',
    smsCount: 'SMS',
    siteDefault: (v: string) => `Voreinstellung: ${v}`,
    on: 'an',
    off: 'aus',
    mailPassword: 'Kennwort für das Postfach',
    mailPasswordHint:
      'Das Kennwort Ihres E-Mail-Postfachs, damit die Voice-Box Ihre Nachrichten lesen kann. Es wird beim Mailserver geprüft und verschlüsselt gespeichert.',
    password: 'Kennwort',
    pin: 'PIN',
    currentPin: 'Bisherige PIN',
    newPin: 'Neue PIN',
    newPin2: 'Neue PIN wiederholen',
    pinHint: (n: number) => `Mindestens ${n} Ziffern. Die PIN gilt für das Telefon und diese Seite.`,
    forbidden: 'Diese Einstellung hat Ihr Administrator abgeschaltet.',
    badHours: (why: string) => `Diese Bürozeiten kann die Voice-Box nicht lesen: ${why}`,
  },
  en: {
    title: 'My voice box',
    profile: 'Profile',
    profileIntro: 'The profile callers reach when neither a vacation nor the office hours say otherwise.',
    inForce: (profile: string, reason: string) =>
      html`Callers from outside reach your profile <strong>${profile}</strong> now – ${reason}.`,
    save: 'Save',
    vacation: 'Vacation',
    vacationOn: 'I am on vacation',
    from: 'From (first day)',
    until: 'Until (last day, inclusive)',
    vacationHint: (zone: string) =>
      `Without dates the vacation lasts until you switch it off. The days count in the time zone ${zone}. Choosing another profile, here or by phone, ends a vacation in force now; a vacation that has not begun yet stays planned.`,
    vacationState: {
      off: '',
      on: 'Your vacation is in force now.',
      ahead: 'Your vacation is set, but has not begun yet.',
      over: 'Your vacation is over.',
    } satisfies Record<VacationState, string>,
    officeHours: 'Office hours',
    ownHours: 'My office hours',
    hoursHint: (company: string) =>
      `Empty: the company's office hours (${company}). "none": never switch by time. Example: Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; closed 12-24`,
    noCompanyHours: 'none',
    offHoursProfile: 'Profile outside office hours',
    breakProfile: 'Profile during breaks',
    asCompany: "the company's",
    noSwitch: 'none – my chosen profile stays',
    profileSettings: 'Settings per profile',
    transferTo: 'Transfer to (number; empty: none)',
    messagesAllowed: 'Callers may leave a message',
    greetingType: 'Greeting type',
    individual: 'My own greeting',
    personalized: 'The standard greeting with my recorded name',
    notifications: 'Notifications',
    lamp: 'Message-waiting lamp on my phone',
    sms: 'SMS to my mobile phone',
    thresholdsIntro: 'After how many new messages you are told (0: never; empty: the default).',
    voice: 'Voice messages',
    fax: 'Faxes',
    smsCount: 'SMS',
    siteDefault: (v: string) => `Default: ${v}`,
    on: 'on',
    off: 'off',
    mailPassword: 'Mailbox password',
    mailPasswordHint:
      'The password of your e-mail mailbox, so the voice box can read your messages. The mail server checks it; it is stored encrypted.',
    password: 'Password',
    pin: 'PIN',
    currentPin: 'Current PIN',
    newPin: 'New PIN',
    newPin2: 'New PIN again',
    pinHint: (n: number) => `At least ${n} digits. The PIN is for the phone and for this page.`,
    forbidden: 'Your administrator has switched this setting off.',
    badHours: (why: string) => `The voice box cannot read these office hours: ${why}`,
  },
} as const;

/** the select value for "the company's" (absent); not a profile name, which has no `@` */
const AS_COMPANY = '@company';
const MAX_FIELD = 256;
const THRESHOLD = /^\d{1,2}$/;

/** one form field as text; a repeated field, a file or anything else counts as absent */
function field(request: FastifyRequest, name: string): string | undefined {
  const body = request.body;
  if (body === null || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v.slice(0, MAX_FIELD) : undefined;
}

const checked = (request: FastifyRequest, name: string): boolean => field(request, name) === 'on';

function query(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

const ownerOf = (request: FastifyRequest): WebOwner => {
  if (!request.owner) throw new Error('the /box routes run behind guard.owner');
  return request.owner;
};

const timeZoneOf = (deps: WebDeps): string => deps.bundle().officeHours?.timeZone ?? FALLBACK_TIME_ZONE;

/** the profiles she may choose: the menus' */
const choosable = (deps: WebDeps): string[] => [...deps.bundle().profiles.available];

/** the profiles with settings of their own: the menus' and the internal callers' one */
function withSettings(deps: WebDeps): string[] {
  const p = deps.bundle().profiles;
  return [...new Set([...p.available, ...(p.internal ? [p.internal] : [])])];
}

const outcomeOf = (r: ActionResult): string | undefined => ('outcome' in r ? r.outcome : undefined);
const valueOf = (r: ActionResult): unknown => ('value' in r ? r.value : undefined);

/** her notification settings and, where she has none, the site's */
function notifyShown(deps: WebDeps, s: UserSettings) {
  const site = deps.config.notify;
  return {
    lamp: s.notifyLamp ?? site.lamp.enabled,
    sms: s.notifyBySms ?? site.sms.enabled,
    own: s.notifyThresholds ?? {},
    site: site.thresholds,
  };
}

function formatDay(date: string, language: PageLanguage): string {
  const d = DateTime.fromISO(date);
  return d.isValid ? d.setLocale(language).toLocaleString(DateTime.DATE_MED) : date;
}

interface Render {
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
  /** what she typed as her office hours, shown again with the reason it was refused */
  officeHours?: string;
}

async function renderBox(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: WebDeps,
  r: Render,
): Promise<string> {
  const owner = ownerOf(request);
  const language = request.pageLanguage;
  const t = TEXT[language];
  const s = owner.user.settings;
  const menu = deps.config.menu;
  const zone = timeZoneOf(deps);
  const csrf = reply.generateCsrf();
  const form = (action: string, testid: string, title: string, body: Html) =>
    html`<section class="card">
      <h2>${title}</h2>
      <form method="post" action="${action}" data-testid="${testid}">
        ${csrfField(csrf)} ${body}
        <button type="submit">${t.save}</button>
      </form>
    </section>`;
  const isChecked = (on: boolean) => (on ? raw(' checked') : '');
  const isSelected = (on: boolean) => (on ? raw(' selected') : '');

  // 1. the profile, and the one in force now
  let inForce: Html | string = '';
  try {
    const profile = valueOf(await owner.actions.run('profile in force', [owner.record]));
    const reason = valueOf(await owner.actions.run('profile reason', [owner.record]));
    if (typeof profile === 'string' && typeof reason === 'string')
      inForce = t.inForce(profileLabel(profile, language), REASON[language][reason] ?? reason);
  } catch (e) {
    deps.log.warn({ web: true, user: owner.user.id, err: (e as Error).message }, 'profile in force unknown');
  }
  const chosen = s.activeProfile ?? deps.bundle().profiles.default;
  const profileForm = form(
    '/box/profile',
    'profile-form',
    t.profile,
    html`<p class="muted">${t.profileIntro}</p>
      <p data-testid="in-force">${inForce}</p>
      <fieldset>
        <legend>${t.profile}</legend>
        ${choosable(deps).map(
          (p) =>
            html`<label
              ><input
                type="radio"
                name="profile"
                value="${p}"
                data-testid="profile-${p}"
                ${isChecked(p === chosen)}
              />
              ${profileLabel(p, language)}</label
            >`,
        )}
      </fieldset>`,
  );

  // 2. vacation with dates
  let state: VacationState = 'off';
  try {
    state = vacationState(s, deps.clock(), zone);
  } catch {
    // an unknown zone is refused by the menu checker; nothing to say then
  }
  const dates = [
    s.vacationFrom !== undefined ? formatDay(s.vacationFrom, language) : '',
    s.vacationUntil !== undefined ? formatDay(s.vacationUntil, language) : '',
  ];
  const vacationForm = form(
    '/box/vacation',
    'vacation-form',
    t.vacation,
    html`<p data-testid="vacation-state">
        ${t.vacationState[state]}
        ${
          state !== 'off' && (dates[0] !== '' || dates[1] !== '')
            ? html`<span class="muted">(${dates.filter((d) => d !== '').join(' – ')})</span>`
            : ''
        }
      </p>
      <label
        ><input
          type="checkbox"
          name="vacation"
          value="on"
          data-testid="vacation"
          ${isChecked(s.vacation === true)}
        />
        ${t.vacationOn}</label
      >
      <label
        >${t.from} <input type="date" name="from" value="${s.vacationFrom ?? ''}" data-testid="from"
      /></label>
      <label
        >${t.until} <input type="date" name="until" value="${s.vacationUntil ?? ''}" data-testid="until"
      /></label>
      <p class="muted">${t.vacationHint(zone)}</p>`,
  );

  // 3. her own office hours, when the admin lets her
  const profileOptions = (current: string | undefined, company: string | undefined) =>
    html` <option value="${AS_COMPANY}" ${isSelected(current === undefined)}>
        ${t.asCompany} (${company ? profileLabel(company, language) : t.noSwitch})
      </option>
      <option value="" ${isSelected(current === '')}>${t.noSwitch}</option>
      ${choosable(deps).map(
        (p) => html`<option value="${p}" ${isSelected(current === p)}>${profileLabel(p, language)}</option>`,
      )}`;
  const companyHours = deps.bundle().officeHours;
  const hoursForm = deps.config.web.officeHours
    ? form(
        '/box/office-hours',
        'office-hours-form',
        t.officeHours,
        html`<label
            >${t.ownHours}
            <input
              type="text"
              name="officeHours"
              value="${r.officeHours ?? s.officeHours ?? ''}"
              data-testid="officeHours"
              autocomplete="off"
              spellcheck="false"
          /></label>
          <p class="muted">
            ${t.hoursHint(companyHours ? formatUserOfficeHours(companyHours) : t.noCompanyHours)}
          </p>
          <label
            >${t.offHoursProfile}
            <select name="offHoursProfile" data-testid="offHoursProfile">
              ${profileOptions(s.offHoursProfile, deps.bundle().profiles.offHours)}
            </select></label
          >
          <label
            >${t.breakProfile}
            <select name="breakProfile" data-testid="breakProfile">
              ${profileOptions(s.breakProfile, deps.bundle().profiles.breaks)}
            </select></label
          >`,
      )
    : '';

  // 4. per profile: transfer target and messages
  const perProfile = html`<section>
    <h2>${t.profileSettings}</h2>
    <div class="grid">
      ${withSettings(deps).map((p) => {
        const own = s.profiles[p] ?? {};
        return html`<form
          method="post"
          action="/box/profile-settings"
          class="card"
          data-testid="profile-settings-${p}"
        >
          ${csrfField(csrf)}
          <h3>${profileLabel(p, language)}</h3>
          <input type="hidden" name="profile" value="${p}" />
          ${
            menu.allow_transfer_setup
              ? html`<label
                  >${t.transferTo}
                  <input
                    type="tel"
                    name="transferTo"
                    value="${own.transferTo ?? ''}"
                    data-testid="transferTo-${p}"
                    autocomplete="off"
                /></label>`
              : ''
          }
          <label
            ><input
              type="checkbox"
              name="messagesAllowed"
              value="on"
              data-testid="messagesAllowed-${p}"
              ${isChecked(own.messagesAllowed ?? true)}
            />
            ${t.messagesAllowed}</label
          >
          <button type="submit">${t.save}</button>
        </form>`;
      })}
    </div>
  </section>`;

  // 5. greeting type, when the admin lets her
  const greetingType = s.greetingType ?? 'individual';
  const typeForm = menu.allow_greeting_type
    ? form(
        '/box/greeting-type',
        'greeting-type-form',
        t.greetingType,
        html`${(['individual', 'personalized'] as const).map(
          (type) =>
            html`<label
              ><input
                type="radio"
                name="greetingType"
                value="${type}"
                data-testid="greetingType-${type}"
                ${isChecked(type === greetingType)}
              />
              ${t[type]}</label
            >`,
        )}`,
      )
    : '';

  // 6. notifications: hers, else the site's
  const n = notifyShown(deps, s);
  const threshold = (name: 'voice' | 'fax' | 'smsCount', kind: 'voice' | 'fax' | 'sms') =>
    html`<label
      >${t[name]}
      <input
        type="number"
        name="${name}"
        min="0"
        max="99"
        step="1"
        inputmode="numeric"
        value="${n.own[kind] ?? ''}"
        placeholder="${n.site[kind]}"
        data-testid="${name}"
      />
      <span class="muted">${t.siteDefault(String(n.site[kind]))}</span></label
    >`;
  const notifyForm = form(
    '/box/notifications',
    'notifications-form',
    t.notifications,
    html`<label
        ><input type="checkbox" name="lamp" value="on" data-testid="lamp" ${isChecked(n.lamp)} /> ${t.lamp}
        <span class="muted"
          >${s.notifyLamp === undefined ? t.siteDefault(n.lamp ? t.on : t.off) : ''}</span
        ></label
      >
      <label
        ><input type="checkbox" name="sms" value="on" data-testid="sms" ${isChecked(n.sms)} /> ${t.sms}
        <span class="muted"
          >${s.notifyBySms === undefined ? t.siteDefault(n.sms ? t.on : t.off) : ''}</span
        ></label
      >
      <p class="muted">${t.thresholdsIntro}</p>
      ${threshold('voice', 'voice')} ${threshold('fax', 'fax')} ${threshold('smsCount', 'sms')}`,
  );

  // 7. the mail password, when her mailbox is read with her own login
  const mailForm = deps.mailPasswords
    ? form(
        '/box/mail-password',
        'mail-password-form',
        t.mailPassword,
        html`<p class="muted">${t.mailPasswordHint}</p>
          <label
            >${t.password}
            <input type="password" name="password" autocomplete="off" data-testid="password" required
          /></label>`,
      )
    : '';

  // 8. the PIN
  const minPin = deps.config.welcome.minPinLength;
  const pinField = (name: 'current' | 'pin' | 'pin2', label: string) =>
    html`<label
      >${label}
      <input
        type="password"
        name="${name}"
        inputmode="numeric"
        pattern="[0-9]*"
        autocomplete="${name === 'current' ? 'current-password' : 'new-password'}"
        minlength="${name === 'current' ? 1 : minPin}"
        data-testid="${name}"
        required
    /></label>`;
  const pinForm = form(
    '/box/pin',
    'pin-form',
    t.pin,
    html`${mustChangePin(request, deps, owner.user) ? '' : pinField('current', t.currentPin)}
      ${pinField('pin', t.newPin)} ${pinField('pin2', t.newPin2)}
      <p class="muted">${t.pinHint(minPin)}</p>`,
  );

  return page({
    language,
    title: t.title,
    csrf,
    owner: { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin },
    current: 'box',
    notice: r.notice,
    body: html`${profileForm} ${vacationForm} ${hoursForm} ${perProfile} ${typeForm} ${notifyForm} ${mailForm}
    ${pinForm}`,
  }).text;
}

function noticeFrom(request: FastifyRequest, deps: WebDeps): Render['notice'] {
  const language = request.pageLanguage;
  const done = query(request, 'done');
  if (done !== undefined && Object.hasOwn(DONE[language], done))
    return { kind: 'ok', text: DONE[language][done as DoneKey] };
  const error = query(request, 'error');
  if (error !== undefined && Object.hasOwn(ERROR[language], error))
    return {
      kind: 'error',
      text: ERROR[language][error as ErrorKey]({ minPin: deps.config.welcome.minPinLength }),
    };
  return undefined;
}

function answer(reply: FastifyReply, o: Outcome) {
  if ('ended' in o) {
    // locked by this guess: the session ends as the next request's guard would end it
    reply.request.session.delete();
    return reply.redirect(`/login?error=${o.ended}`, 303);
  }
  return reply.redirect('done' in o ? `/box?done=${o.done}` : `/box?error=${o.error}`, 303);
}

function forbidden(request: FastifyRequest, reply: FastifyReply) {
  const language = request.pageLanguage;
  const owner = request.owner;
  return reply
    .code(403)
    .type('text/html; charset=utf-8')
    .send(
      page({
        language,
        title: TEXT[language].title,
        csrf: reply.generateCsrf(),
        owner: owner && { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin },
        current: 'box',
        notice: { kind: 'error', text: TEXT[language].forbidden },
        body: html`<p><a href="/box">${TEXT[language].title}</a></p>`,
      }).text,
    );
}

/** a change that failed for a reason she cannot help: the notice, and a log line for the admin */
function failed(deps: WebDeps, user: DirectoryUser, what: string, e: unknown): Outcome {
  if (e instanceof SettingsReadOnly) {
    deps.log.warn({ web: true, user: user.id, setting: what, err: e.message }, 'settings cannot be written');
    return { error: 'read-only' };
  }
  deps.log.error({ web: true, user: user.id, setting: what, err: (e as Error).message }, 'web change failed');
  return { error: 'failed' };
}

/** writes her settings as the admin commands do, and logs which */
async function writeSettings(
  deps: WebDeps,
  user: DirectoryUser,
  what: string,
  change: (s: UserSettings) => UserSettings,
): Promise<void> {
  await deps.directory.updateSettings(user, change);
  deps.log.info({ web: true, user: user.id, setting: what }, 'setting changed on the web');
}

/** the session follows her new PIN: the app ends sessions whose stamp is not her `pinChangedAt` */
async function followPinChange(request: FastifyRequest, deps: WebDeps, user: DirectoryUser): Promise<void> {
  let fresh: DirectoryUser | undefined;
  if (deps.directory.current) fresh = await deps.directory.current(user);
  else {
    const f = formats(user.mailbox, deps.location);
    fresh = f ? await deps.directory.findByNumber(f.all) : undefined;
  }
  const stamp: WebSessionData['stamp'] = fresh?.settings.pinChangedAt ?? '';
  (request.session as unknown as { set(key: keyof WebSessionData, value: string): void }).set('stamp', stamp);
}

/**
 * Her PIN must be changed (the admin asked for it, or it has expired): the login brought her to
 * the PIN form with a new PIN to choose, so the current one is not asked again. Otherwise it is:
 * a browser left open must not be enough to take her voice box over.
 */
function mustChangePin(request: FastifyRequest, deps: WebDeps, user: DirectoryUser): boolean {
  const marked: unknown = (request.session as unknown as { get(key: string): unknown }).get('mustChangePin');
  return (
    marked === true ||
    user.settings.pinChangeRequired === true ||
    pinExpired(user.settings, deps.config.login, deps.clock())
  );
}

type Change = (request: FastifyRequest, deps: WebDeps, owner: WebOwner) => Promise<Outcome>;

const CHANGES: Record<string, Change> = {
  async profile(request, deps, owner) {
    const profile = field(request, 'profile') ?? '';
    if (!choosable(deps).includes(profile)) return { error: 'unknown-profile' };
    // the card saved as it was: nothing chosen, so nothing `set profile` would end (her vacation)
    if (profile === (owner.user.settings.activeProfile ?? deps.bundle().profiles.default))
      return { done: 'profile' };
    await owner.actions.run('set profile', [owner.record, profile]);
    return { done: 'profile' };
  },

  async vacation(request, deps, owner) {
    const on = checked(request, 'vacation');
    const from = (field(request, 'from') ?? '').trim();
    const until = (field(request, 'until') ?? '').trim();
    if (on) {
      if ((from !== '' && !isCalendarDate(from)) || (until !== '' && !isCalendarDate(until)))
        return { error: 'bad-date' };
      if (from !== '' && until !== '' && until < from) return { error: 'until-before-from' };
      if (until !== '' && until < dayIn(deps.clock(), timeZoneOf(deps))) return { error: 'until-past' };
    }
    await writeSettings(deps, owner.user, 'vacation', (s) => {
      const next: UserSettings = { ...s };
      delete next.vacation;
      delete next.vacationFrom;
      delete next.vacationUntil;
      if (!on) return next;
      return {
        ...next,
        vacation: true,
        ...(from !== '' ? { vacationFrom: from } : {}),
        ...(until !== '' ? { vacationUntil: until } : {}),
      };
    });
    return { done: 'vacation' };
  },

  async 'profile-settings'(request, deps, owner) {
    const profile = field(request, 'profile') ?? '';
    if (!withSettings(deps).includes(profile)) return { error: 'unknown-profile' };
    const own = owner.user.settings.profiles[profile] ?? {};
    const target = field(request, 'transferTo');
    if (target !== undefined && target.trim() !== (own.transferTo ?? '')) {
      // a target refused by the dial policy writes nothing, not even the message switch
      if (target.trim() === '') await owner.actions.run('clear transfer', [owner.record, profile]);
      else {
        const r = outcomeOf(await owner.actions.run('set transfer', [owner.record, profile, target.trim()]));
        if (r === 'invalid') return { error: 'transfer-invalid' };
        if (r === 'refused') return { error: 'transfer-refused' };
      }
    }
    const allowed = checked(request, 'messagesAllowed');
    if (allowed !== (own.messagesAllowed ?? true))
      await owner.actions.run('set messages allowed', [owner.record, profile, allowed]);
    return { done: 'profile-settings' };
  },

  async 'greeting-type'(request, _deps, owner) {
    const type = field(request, 'greetingType');
    if (type !== 'individual' && type !== 'personalized') return { error: 'bad-greeting-type' };
    await owner.actions.run('set greeting type', [owner.record, type]);
    return { done: 'greeting-type' };
  },

  async notifications(request, deps, owner) {
    const counts: { voice?: number; fax?: number; sms?: number } = {};
    for (const [name, kind] of [
      ['voice', 'voice'],
      ['fax', 'fax'],
      ['smsCount', 'sms'],
    ] as const) {
      const v = (field(request, name) ?? '').trim();
      if (v === '') continue;
      if (!THRESHOLD.test(v)) return { error: 'bad-threshold' };
      counts[kind] = Number(v);
    }
    const lamp = checked(request, 'lamp');
    const sms = checked(request, 'sms');
    const site = deps.config.notify;
    await writeSettings(deps, owner.user, 'notifications', (s) => {
      const next: UserSettings = { ...s };
      delete next.notifyThresholds;
      if (Object.keys(counts).length > 0) next.notifyThresholds = counts;
      // the site's value, not touched, stays the site's: a later change of the default reaches her
      if (s.notifyLamp !== undefined || lamp !== site.lamp.enabled) next.notifyLamp = lamp;
      if (s.notifyBySms !== undefined || sms !== site.sms.enabled) next.notifyBySms = sms;
      return next;
    });
    return { done: 'notifications' };
  },

  async 'mail-password'(request, deps, owner) {
    if (!deps.mailPasswords) throw new Error('no mail passwords');
    const password = field(request, 'password') ?? '';
    if (password === '') return { error: 'password-empty' };
    let stored: 'stored' | 'refused';
    try {
      stored = await deps.mailPasswords.set(owner.user, password);
    } catch (e) {
      if (e instanceof SettingsReadOnly) throw e;
      deps.log.warn(
        { web: true, user: owner.user.id, err: (e as Error).message },
        'mail password not checked',
      );
      return { error: 'mail-unavailable' };
    }
    if (stored === 'refused') return { error: 'mail-refused' };
    deps.log.info({ web: true, user: owner.user.id, setting: 'mailPassword' }, 'setting changed on the web');
    return { done: 'mail-password' };
  },

  async pin(request, deps, owner) {
    const pin = field(request, 'pin') ?? '';
    if (pin !== (field(request, 'pin2') ?? '')) return { error: 'pin-mismatch' };
    if (!mustChangePin(request, deps, owner.user)) {
      const current = field(request, 'current') ?? '';
      // empty: not a guess, nothing to count
      if (current === '') return { error: 'current-wrong' };
      // counted as a wrong PIN on the phone is, towards the same lock; right but to be changed is right
      const checked = outcomeOf(await owner.actions.run('check pin', [owner.record, current]));
      if (checked === 'locked') return { ended: 'locked' };
      if (checked !== undefined && checked !== 'change_required' && checked !== 'expired')
        return { error: 'current-wrong' };
    }
    const r = outcomeOf(await owner.actions.run('change pin', [owner.record, pin]));
    if (r === 'too_short') return { error: 'pin-too-short' };
    if (r === 'trivial') return { error: 'pin-trivial' };
    if (r !== undefined) return { error: 'failed' };
    await followPinChange(request, deps, owner.user);
    return { done: 'pin' };
  },
};

export const registerBox: PageModule = (app, deps, guard) => {
  app.get('/box', { preHandler: guard.owner }, async (request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(await renderBox(request, reply, deps, { notice: noticeFrom(request, deps) })),
  );

  const allowed: Record<string, () => boolean> = {
    'profile-settings': () => true,
    'greeting-type': () => deps.config.menu.allow_greeting_type,
    'mail-password': () => deps.mailPasswords !== undefined,
  };
  for (const [name, change] of Object.entries(CHANGES)) {
    app.post(`/box/${name}`, { preHandler: guard.owner }, async (request, reply) => {
      if (!(allowed[name]?.() ?? true)) return forbidden(request, reply);
      // a transfer target sent although the admin hides its setting from her
      if (
        name === 'profile-settings' &&
        !deps.config.menu.allow_transfer_setup &&
        field(request, 'transferTo') !== undefined
      )
        return forbidden(request, reply);
      const owner = ownerOf(request);
      let o: Outcome;
      try {
        o = await change(request, deps, owner);
      } catch (e) {
        o = failed(deps, owner.user, name, e);
      }
      return answer(reply, o);
    });
  }

  // her own office hours: a text with its own grammar, so a refusal shows the parser's reason
  // with what she typed, rather than a redirect that would lose both
  app.post('/box/office-hours', { preHandler: guard.owner }, async (request, reply) => {
    if (!deps.config.web.officeHours) return forbidden(request, reply);
    const owner = ownerOf(request);
    const text = (field(request, 'officeHours') ?? '').trim();
    const profiles = {
      offHoursProfile: field(request, 'offHoursProfile'),
      breakProfile: field(request, 'breakProfile'),
    };
    for (const value of Object.values(profiles))
      if (value !== undefined && value !== AS_COMPANY && value !== '' && !choosable(deps).includes(value))
        return answer(reply, { error: 'unknown-profile' });
    if (text !== '') {
      const parsed = parseUserOfficeHours(text, deps.bundle().officeHours?.timeZone);
      if (!parsed.ok) {
        const page = await renderBox(request, reply, deps, {
          notice: { kind: 'error', text: TEXT[request.pageLanguage].badHours(parsed.error) },
          officeHours: text,
        });
        return reply.code(400).type('text/html; charset=utf-8').send(page);
      }
    }
    let o: Outcome = { done: 'office-hours' };
    try {
      await writeSettings(deps, owner.user, 'officeHours', (s) => {
        const next: UserSettings = { ...s };
        if (text === '') delete next.officeHours;
        else next.officeHours = text;
        for (const key of ['offHoursProfile', 'breakProfile'] as const) {
          const value = profiles[key];
          if (value === undefined) continue;
          if (value === AS_COMPANY) delete next[key];
          else next[key] = value;
        }
        return next;
      });
    } catch (e) {
      o = failed(deps, owner.user, 'officeHours', e);
    }
    return answer(reply, o);
  });
};
