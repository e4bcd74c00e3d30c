// `voicebox explain`: why a call to her mailbox goes where it goes. The decisions are the
// actions' own (lookup user, active profile, profile settings, caller language, greeting, ...),
// run over the configured directory and greetings with a clock set to --at; what they log on the
// way (the profile's grounds, a refused transfer target) is the explanation. Nothing is written.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { loadMenus, formatDiagnostic } from '../../dsl/index.js';
import { createActions } from '../actions/index.js';
import { ConfigError, readConfig, type VoiceboxConfig } from '../config/index.js';
import {
  LocalSettingsFallback,
  type Directory,
  type DirectoryUser,
  type UserSettings,
} from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import { GreetingStore } from '../greetings/index.js';
import type { Mailer } from '../mail/index.js';
import { dialPolicyFrom, formats, isInternal, toE164 } from '../phone/index.js';
import type { ActionContext, ActionRegistry, RuntimeLogger, Value } from '../runtime/index.js';
import { vacationState, type ProfileTrace } from '../schedule/index.js';
import type { Io } from './menus.js';
import { menusPath } from './runtime.js';
import { configuredDirectory } from './services.js';

interface ExplainOptions {
  at?: string;
  from?: string;
  config?: string;
  json?: boolean;
}

/** a line an action logged while explain asked it */
interface Logged {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

class MemoryLog implements RuntimeLogger {
  constructor(readonly lines: Logged[] = []) {}
  private add(level: Logged['level'], obj: object, msg?: string): void {
    this.lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  }
  debug(obj: object, msg?: string): void {
    this.add('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.add('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.add('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.add('error', obj, msg);
  }
  child(): RuntimeLogger {
    return this;
  }
  find(msg: string): Record<string, unknown> | undefined {
    return this.lines.find((l) => l.msg === msg)?.obj;
  }
}

/** explain sends nothing: a mail an action would send is refused */
const noMail = new Proxy(
  {},
  {
    get: () => () => Promise.reject(new Error('voicebox explain sends no mail')),
  },
) as Mailer;

class Refused extends Error {}

/** `2026-12-01 21:32` in the office hours' zone, or ISO 8601 (without an offset: the same zone) */
export function parseAt(text: string, timeZone: string): Date {
  const t = text.trim();
  const local = DateTime.fromFormat(t, 'yyyy-MM-dd HH:mm', { zone: timeZone });
  const at = local.isValid ? local : DateTime.fromISO(t, { zone: timeZone });
  if (!at.isValid)
    throw new Refused(`--at '${t.slice(0, 40)}': write ISO 8601 or YYYY-MM-DD HH:MM (in ${timeZone})`);
  return at.toJSDate();
}

async function findUser(
  directory: Directory,
  listing: Directory,
  who: string,
  config: VoiceboxConfig,
): Promise<DirectoryUser | undefined> {
  if (/^[+0-9(]/.test(who.trim())) {
    const f = formats(who, config.location);
    if (!f) throw new Refused(`'${who.slice(0, 40)}' is not a phone number`);
    return directory.findByNumber(f.all);
  }
  if (!listing.users)
    throw new Refused('this directory cannot be searched by login: give her mailbox number');
  for await (const user of listing.users()) {
    if (user.login !== who && user.id !== who) continue;
    const f = formats(user.mailbox, config.location);
    // the same entry as a call finds it (with the settings kept locally laid over it)
    return (f && (await directory.findByNumber(f.all))) ?? user;
  }
  return undefined;
}

async function ask(actions: ActionRegistry, name: string, args: Value[], ctx: ActionContext) {
  const action = actions.get(name);
  if (!action) throw new Error(`the action '${name}' is missing`);
  const r = await action(args, ctx);
  return 'outcome' in r ? { outcome: r.outcome } : { value: r.value };
}

const REASON_TEXT: Record<string, string> = {
  internal: "an internal caller: the internal callers' profile (office hours and vacation do not count)",
  vacation: 'she is on vacation',
  holiday: 'a holiday',
  'closed-day': 'a day without work hours',
  break: 'a break',
  'off-hours': 'outside office hours',
  chosen: 'her own choice',
};

/** her vacation's dates, and where the call stands to them; undefined: no dates, or switched off */
function vacationDates(settings: UserSettings, at: Date, timeZone: string): string | undefined {
  const { vacationFrom: from, vacationUntil: until } = settings;
  if (from === undefined && until === undefined) return undefined;
  const span = [from !== undefined ? `from ${from}` : '', until !== undefined ? `until ${until}` : '']
    .filter((p) => p !== '')
    .join(' ');
  const state = vacationState(settings, at, timeZone);
  if (state === 'off') return undefined;
  const where = { on: 'in force', ahead: 'not begun yet', over: 'over' }[state];
  return `vacation: ${span} (${timeZone}): ${where}`;
}

function profileWhy(trace: ProfileTrace | undefined, reason: string, vacation?: string): string[] {
  const lines = [`because: ${REASON_TEXT[reason] ?? reason}`];
  if (vacation !== undefined) lines.push(vacation);
  if (!trace) return lines;
  if (trace.reason === 'vacation' || trace.reason === 'internal') {
    lines.push(`she chose: ${trace.chosen}`);
    return lines;
  }
  if (trace.officeHours === 'none') lines.push('office hours: none (no switching by time)');
  if (trace.office) {
    const o = trace.office;
    const whose = trace.officeHours === 'own' ? 'her own' : "the company's";
    const day = o.holiday
      ? `closed ${o.holiday}`
      : o.hours.length > 0
        ? `${o.hours.join(', ')}${o.breaks.length > 0 ? ` break ${o.breaks.join(', ')}` : ''}`
        : 'no work hours that day';
    lines.push(`office hours: ${whose}, ${o.local} ${o.timeZone}: ${day} → ${o.state}`);
  }
  if (trace.wanted) {
    const kind = trace.office?.state === 'break' ? 'break' : 'off-hours';
    const whose = trace.wanted.whose === 'own' ? 'her own' : "the company's";
    lines.push(
      trace.wanted.profile === ''
        ? `${kind} profile: none (${whose}), so her choice stays`
        : `${kind} profile: ${trace.wanted.profile} (${whose})`,
    );
  }
  lines.push(`she chose: ${trace.chosen}`);
  return lines;
}

export interface Explanation {
  user: { id: string; name: string; login?: string; mailbox: string };
  call: { from: string; callerClass: 'internal' | 'external'; at: string; timeZone: string };
  profile: { name: string; reason: string; why: string[]; trace?: ProfileTrace };
  language: { language: string; why: string };
  greeting: {
    kind: 'recorded' | 'recorded name' | 'company' | 'standard';
    file?: string;
    language?: string;
    why: string;
  };
  message: { canLeave: boolean; why: string; phoneLogin?: string };
  transfer: { target: string; allowed: boolean; why: string };
  problems: string[];
}

async function explain(
  config: VoiceboxConfig,
  bundle: Bundle,
  directory: Directory,
  user: DirectoryUser,
  from: string,
  at: Date,
): Promise<Explanation> {
  const log = new MemoryLog();
  const location = config.location;
  const dialPolicy = dialPolicyFrom(config.dialPolicy, location);
  const actions = createActions({
    bundle,
    directory,
    mailer: noMail,
    greetings: new GreetingStore(config.media, { languageFallback: config.greetings.languageFallback }),
    media: config.media,
    location,
    // nothing is written: no wrong-PIN log, no welcome mail (neither action is asked)
    policy: { login: { ...config.login, wrongPinLog: '' }, welcome: config.welcome, dial: dialPolicy },
    clock: () => at,
    log,
  });
  const callerClass = from !== '' && isInternal(from, location) ? 'internal' : 'external';
  const timeZone = bundle.officeHours?.timeZone ?? 'UTC';
  let language = bundle.languages.default;
  const ctx = (): ActionContext => ({
    call: { id: 'explain', caller: from, callerName: '', called: user.mailbox, callerClass, time: at },
    language,
    log,
    onCallEnd: () => {},
  });
  const found = await ask(actions, 'lookup user', [user.mailbox], ctx());
  if (!('value' in found) || found.value === undefined)
    throw new Refused(
      `no call reaches ${user.name}: her mailbox number ${user.mailbox || '(none)'} finds nobody`,
    );
  const rec = found.value;
  const r = rec as Record<string, Value>;

  // the profile, and why (the action's own grounds, from its log)
  const profile = String((await ask(actions, 'active profile', [rec], ctx())).value);
  const decided = log.find('active profile');
  const trace = log.find('active profile: why')?.trace as ProfileTrace | undefined;
  const reason = String(decided?.reason ?? trace?.reason ?? '');

  // the caller's language, as the shipped voicebox flow decides it
  const site = config.menu.language_choice;
  const callerLanguage = String((await ask(actions, 'caller language', [], ctx())).value);
  const e164 = from === '' ? undefined : toE164(from, location);
  const byNumber = e164
    ? `the caller's number ${e164} by the languages rules of the menus`
    : "no caller number: the menus' default language";
  if (site !== 'default') language = callerLanguage;
  const choice = r.has_language_choice === true ? String(r.language_choice) : site;
  const whose = r.has_language_choice === true ? 'her own language choice' : "the site's language_choice";
  let languageWhy: string;
  if (choice === 'ask') {
    const offered = bundle.languages.offered;
    if (offered.length < 2) {
      language = String(r.language);
      languageWhy = `${whose} is ask, one language offered: her language`;
    } else {
      languageWhy = `${whose} is ask: the caller chooses (${offered.join(', ')}); until then ${byNumber}`;
    }
  } else if (choice === 'default') {
    language = String(r.language);
    languageWhy = `${whose} is default: her greeting language`;
  } else {
    if (r.has_language_choice === true) language = callerLanguage;
    languageWhy = `${whose} is by_caller: ${byNumber}`;
  }

  // the greeting
  const global = config.menu.global_greeting;
  // her own greeting type, else the site's (the menus' `greeting_type` switch, where they have one)
  const siteGreetingType = (config.menu as Readonly<Record<string, unknown>>).greeting_type ?? 'individual';
  const greetingType = r.has_greeting_type === false ? siteGreetingType : r.greeting_type;
  let greeting: Explanation['greeting'] | undefined;
  const company = async (why: string): Promise<Explanation['greeting'] | undefined> => {
    const c = await ask(actions, 'company greeting', [], ctx());
    const audio = c.value as { localPath?: string } | undefined;
    return audio ? { kind: 'company', file: audio.localPath ?? '', language, why } : undefined;
  };
  if (global === 'always') greeting = await company('global_greeting is always');
  else if (greetingType === 'personalized') {
    const name = await ask(actions, 'recorded name', [rec], ctx());
    const audio = name.value as { localPath?: string } | undefined;
    if (audio)
      greeting = {
        kind: 'recorded name',
        file: audio.localPath ?? '',
        why: 'her greeting type is personalized: the standard text with her recorded name',
      };
  } else {
    const own = await ask(actions, 'greeting', [rec, profile], ctx());
    const audio = own.value as { localPath?: string } | undefined;
    if (audio) {
      const other = log.find('greeting in another language');
      const heard = typeof other?.language === 'string' ? other.language : language;
      greeting = {
        kind: 'recorded',
        file: audio.localPath ?? '',
        language: heard,
        why:
          heard === language
            ? `her recording for ${profile} in ${language}`
            : `none recorded for ${profile} in ${language}: hers in ${heard} (greetings.languageFallback ${config.greetings.languageFallback})`,
      };
    }
  }
  if (!greeting && global === 'when_missing')
    greeting = await company(
      `none of her own recorded for ${profile}: the company greeting (global_greeting when_missing)`,
    );
  greeting ??= {
    kind: 'standard',
    language,
    why: `none recorded for ${profile} (nor a company greeting): the standard greeting`,
  };

  // a message, a transfer
  const settings = (await ask(actions, 'profile settings', [rec, profile], ctx())).value as Record<
    string,
    Value
  >;
  const message: Explanation['message'] =
    r.enabled !== true
      ? { canLeave: false, why: 'her voice mail is switched off (enabled=N): callers hear so' }
      : settings.messages_allowed === false
        ? { canLeave: false, why: `the profile ${profile} takes no messages` }
        : { canLeave: true, why: `the profile ${profile} takes messages` };
  if (user.settings.lockedAt)
    message.phoneLogin = `locked since ${user.settings.lockedAt} (callers still leave messages)`;
  const target = user.settings.profiles[profile]?.transferTo ?? '';
  let transfer: Explanation['transfer'];
  if (target === '')
    transfer = { target: '', allowed: false, why: `no transfer target in the profile ${profile}` };
  else if (settings.can_transfer === true)
    transfer = { target, allowed: true, why: 'allowed by the dial policy' };
  else {
    const refusal = log.lines.find((l) => l.msg.startsWith('transfer target refused'))?.obj.reason;
    const why = typeof refusal === 'string' ? refusal : 'not allowed';
    transfer = { target, allowed: false, why: `refused by the dial policy: ${why}` };
  }
  const problems = log.lines
    .filter((l) => l.level === 'warn' || l.level === 'error')
    .filter((l) => !l.msg.startsWith('transfer target refused'))
    .map(
      (l) => `${l.msg}${typeof l.obj.value === 'string' ? ` (${l.obj.key as string}=${l.obj.value})` : ''}`,
    );

  return {
    user: {
      id: user.id,
      name: user.name,
      ...(user.login !== undefined ? { login: user.login } : {}),
      mailbox: user.mailbox,
    },
    call: {
      from,
      callerClass,
      at: DateTime.fromJSDate(at, { zone: timeZone }).toFormat('ccc yyyy-MM-dd HH:mm', { locale: 'en' }),
      timeZone,
    },
    profile: {
      name: profile,
      reason,
      why: profileWhy(trace, reason, vacationDates(user.settings, at, timeZone)),
      ...(trace ? { trace } : {}),
    },
    language: { language: greeting.language ?? language, why: languageWhy },
    greeting,
    message,
    transfer,
    problems,
  };
}

function text(e: Explanation): string {
  const pad = (label: string) => label.padEnd(10);
  const more = (lines: string[]) => lines.map((l) => `${pad('')}${l}\n`).join('');
  const caller =
    e.call.from === '' ? 'an external caller without a number' : `${e.call.from} (${e.call.callerClass})`;
  const g = e.greeting;
  const greeting =
    g.kind === 'recorded'
      ? `her recording: ${g.file}`
      : g.kind === 'recorded name'
        ? `the standard greeting with her recorded name: ${g.file}`
        : g.kind === 'company'
          ? `the company greeting: ${g.file}`
          : 'the standard greeting';
  return (
    `${pad('user')}${e.user.name}${e.user.login ? ` (${e.user.login})` : ''}, mailbox ${e.user.mailbox}\n` +
    `${pad('call')}from ${caller}, ${e.call.at} ${e.call.timeZone}\n` +
    `${pad('profile')}${e.profile.name}\n${more(e.profile.why)}` +
    `${pad('language')}${e.language.language}\n${more([e.language.why])}` +
    `${pad('greeting')}${greeting}\n${more([g.why])}` +
    `${pad('message')}${e.message.canLeave ? 'can be left' : 'cannot be left'}\n${more([
      e.message.why,
      ...(e.message.phoneLogin ? [`phone login: ${e.message.phoneLogin}`] : []),
    ])}` +
    `${pad('transfer')}${e.transfer.target === '' ? 'none' : `${e.transfer.target} ${e.transfer.allowed ? 'allowed' : 'refused'}`}\n${more([e.transfer.why])}` +
    e.problems.map((p) => `${pad('note')}${p}\n`).join('')
  );
}

export function explainCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('explain')
    .description(
      'why a call to her mailbox goes where it goes: profile, greeting, language, message, transfer',
    )
    .argument('<user>', 'her mailbox number or login')
    .option(
      '--at <time>',
      'the time of the call: ISO 8601 or "YYYY-MM-DD HH:MM" in the office hours\' zone (default: now)',
    )
    .option('--from <number>', 'the calling number (default: an external caller without a number)', '')
    .option('--config <file>', 'the server settings (default: embedded defaults)')
    .option('--json', 'one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox explain 501 --from +442071234567 --at "2026-12-01 21:32"\n  $ voicebox explain bberger --json',
    )
    .action(async (who: string, opts: ExplainOptions) => {
      const fail = (message: string, code: number) => {
        io.err(`voicebox explain: ${message}\n`);
        setExit(code);
      };
      let config: VoiceboxConfig;
      let bundle: Bundle;
      try {
        config = readConfig(opts.config);
        const loaded = loadMenus([menusPath(config.menus)]);
        const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length > 0)
          return fail(
            `the menus have errors:\n${errors.map((d) => formatDiagnostic(d, { sources: loaded.sources })).join('\n')}`,
            2,
          );
        bundle = loaded.bundle;
      } catch (e) {
        return fail(e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message, 2);
      }
      let listing: Directory | undefined;
      try {
        const from = (opts.from ?? '').trim();
        if (from !== '' && toE164(from, config.location) === undefined && !isInternal(from, config.location))
          throw new Refused(`--from '${from.slice(0, 40)}' is not a phone number`);
        const at =
          opts.at === undefined ? new Date() : parseAt(opts.at, bundle.officeHours?.timeZone ?? 'UTC');
        listing = configuredDirectory(config, { admin: true });
        const directory = new LocalSettingsFallback(listing, resolve(config.directory.localSettings));
        const user = await findUser(directory, listing, who, config);
        if (!user) throw new Refused(`no user '${who.slice(0, 40)}'`);
        const e = await explain(config, bundle, directory, user, from, at);
        io.out(opts.json ? `${JSON.stringify(e)}\n` : text(e));
        setExit(0);
      } catch (e) {
        fail((e as Error).message, 1);
      } finally {
        await listing?.close().catch(() => {});
      }
    });
}
