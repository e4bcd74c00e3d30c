// Checks and lowers the declarations: languages, office hours, profiles.
import type { IvrFile, Name, TimeRange } from './ast.js';
import { didYouMean, error, warning, type Diagnostic } from './diagnostics.js';
import type { LanguageRules, OfficeHours, ProfileRules, WorkDay } from '../src/graph/index.js';

const dayNames: Record<string, number> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};

export interface Declarations {
  languages: LanguageRules;
  /** every language the menus must speak: default, otherwise, by-caller targets, offered */
  languageSet: Set<string>;
  officeHours: OfficeHours | null;
  profiles: ProfileRules;
  profileSet: Set<string>;
}

/** minutes since midnight, or NaN */
function minutes(t: Name, allow24: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t.text);
  if (!m) return NaN;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return NaN;
  if (h === 24 && min === 0 && allow24) return 24 * 60;
  if (h > 23) return NaN;
  return h * 60 + min;
}

function hhmm(n: number): string {
  return `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
}

function validDate(text: string): boolean {
  const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const year = m[1] ? Number(m[1]) : 2000; // a leap year, so 02-29 is a valid recurring date
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function checkDeclarations(
  files: IvrFile[],
  catalogLanguages: Set<string>,
  out: Diagnostic[],
): Declarations {
  // ---- languages
  const languageDecls = files.flatMap((f) => f.languages);
  for (const extra of languageDecls.slice(1)) {
    out.push(
      error(
        extra.loc,
        'languages are declared twice',
        `keep one languages { } block; the first is at ${where(languageDecls[0]!.loc)}`,
      ),
    );
  }
  const languages: LanguageRules = { default: 'en', byCallerPrefix: [], otherwise: '', offered: [] };
  const languageNames: Name[] = [];
  const first = languageDecls[0];
  if (first) {
    let sawDefault = false;
    const prefixes = new Map<string, Name>();
    for (const item of first.items) {
      switch (item.kind) {
        case 'default':
          if (sawDefault) out.push(error(item.loc, 'the default language is given twice'));
          sawDefault = true;
          languages.default = item.language.text;
          languageNames.push(item.language);
          break;
        case 'otherwise':
          languages.otherwise = item.language.text;
          languageNames.push(item.language);
          break;
        case 'offer':
          for (const l of item.languages) {
            if (languages.offered.includes(l.text))
              out.push(error(l.loc, `language '${l.text}' is offered twice`));
            else languages.offered.push(l.text);
            languageNames.push(l);
          }
          break;
        case 'byCaller':
          for (const p of item.prefixes) {
            const seen = prefixes.get(p.text);
            if (seen) {
              out.push(
                error(
                  p.loc,
                  `country code ${p.text} is given twice`,
                  `it is already mapped at ${where(seen.loc)}`,
                ),
              );
              continue;
            }
            prefixes.set(p.text, p);
            languages.byCallerPrefix.push({ prefix: p.text, language: item.language.text });
          }
          languageNames.push(item.language);
          break;
      }
    }
    if (!sawDefault)
      out.push(
        error(first.loc, 'the languages block has no default language', 'add a line such as `default de`'),
      );
  }
  if (!languages.otherwise) languages.otherwise = languages.default;
  if (languages.offered.length === 0) languages.offered = [languages.default];
  // longest prefix first, so +4930 wins over +49
  languages.byCallerPrefix.sort(
    (a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1),
  );
  const languageSet = new Set<string>([languages.default, languages.otherwise, ...languages.offered]);
  for (const r of languages.byCallerPrefix) languageSet.add(r.language);
  const reported = new Set<string>();
  for (const n of languageNames) {
    if (!/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/.test(n.text)) {
      out.push(error(n.loc, `'${n.text}' is not a language code`, 'use a code such as de, en or en-US'));
      reported.add(n.text);
    } else if (!catalogLanguages.has(n.text) && !reported.has(n.text)) {
      reported.add(n.text);
      out.push(
        error(
          n.loc,
          `unknown language '${n.text}': there are no prompts for it`,
          `add prompts/${n.text}.yaml, or use one of: ${[...catalogLanguages].sort().join(', ') || '(none found)'}`,
        ),
      );
    }
  }

  // ---- profiles
  const profileDecls = files.flatMap((f) => f.profiles);
  for (const extra of profileDecls.slice(1)) {
    out.push(
      error(
        extra.loc,
        'profiles are declared twice',
        `keep one profiles { } block; the first is at ${where(profileDecls[0]!.loc)}`,
      ),
    );
  }
  const profiles: ProfileRules = { available: [], default: '' };
  const profileSet = new Set<string>();
  const pendingRefs: Array<{ name: Name; role: string }> = [];
  const p0 = profileDecls[0];
  if (p0) {
    for (const item of p0.items) {
      switch (item.kind) {
        case 'available':
          for (const p of item.profiles) {
            if (profileSet.has(p.text)) out.push(error(p.loc, `profile '${p.text}' is listed twice`));
            profileSet.add(p.text);
            profiles.available.push(p.text);
          }
          break;
        case 'internal':
          // the internal-caller profile is a profile of its own, not one users pick
          profiles.internal = item.profile.text;
          profileSet.add(item.profile.text);
          break;
        case 'default':
          profiles.default = item.profile.text;
          pendingRefs.push({ name: item.profile, role: 'the default profile' });
          break;
        case 'offHours':
          profiles.offHours = item.profile.text;
          pendingRefs.push({ name: item.profile, role: 'the off-hours profile' });
          break;
        case 'breaks':
          profiles.breaks = item.profile.text;
          pendingRefs.push({ name: item.profile, role: 'the break profile' });
          break;
      }
    }
    if (profiles.available.length === 0) {
      out.push(error(p0.loc, 'no profile is available', 'add a line such as `available work, mobile, home`'));
    }
  } else {
    profiles.available.push('work');
    profileSet.add('work');
  }
  if (!profiles.default) profiles.default = profiles.available[0] ?? 'work';
  for (const ref of pendingRefs) {
    if (!profiles.available.includes(ref.name.text)) {
      const guess = didYouMean(ref.name.text, profiles.available);
      out.push(
        error(
          ref.name.loc,
          `unknown profile '${ref.name.text}' as ${ref.role}`,
          guess
            ? `did you mean '${guess}'?`
            : `it must be one of the available profiles: ${profiles.available.join(', ')}`,
        ),
      );
    }
  }

  // ---- office hours
  const ohDecls = files.flatMap((f) => f.officeHours);
  for (const extra of ohDecls.slice(1)) {
    out.push(
      error(
        extra.loc,
        'office hours are declared twice',
        `keep one office hours { } block; the first is at ${where(ohDecls[0]!.loc)}`,
      ),
    );
  }
  let officeHours: OfficeHours | null = null;
  const oh = ohDecls[0];
  if (oh) {
    let timeZone = 'UTC';
    if (!oh.timeZone) {
      out.push(
        warning(
          oh.loc,
          'office hours without a time zone are taken as UTC',
          'write office hours "Europe/Berlin" { ... }',
        ),
      );
    } else if (!validTimeZone(oh.timeZone.text)) {
      out.push(
        error(
          oh.timeZone.loc,
          `unknown time zone '${oh.timeZone.text}'`,
          'use an IANA name such as Europe/Berlin or America/New_York',
        ),
      );
    } else timeZone = oh.timeZone.text;
    const perDay = new Map<
      number,
      { hours: Array<[number, number, TimeRange]>; breaks: Array<[number, number, TimeRange]> }
    >();
    for (const rule of oh.days) {
      const days: number[] = [];
      for (const range of rule.days) {
        const from = dayNames[range.from.text.toLowerCase()];
        const to = range.to ? dayNames[range.to.text.toLowerCase()] : from;
        let bad = false;
        for (const n of [range.from, range.to]) {
          if (n && dayNames[n.text.toLowerCase()] === undefined) {
            const guess = didYouMean(
              n.text.toLowerCase(),
              Object.keys(dayNames).filter((d) => d.length === 3),
            );
            out.push(
              error(
                n.loc,
                `'${n.text}' is not a day of the week`,
                guess ? `did you mean '${guess}'?` : 'write mon, tue, wed, thu, fri, sat or sun',
              ),
            );
            bad = true;
          }
        }
        if (bad || from === undefined || to === undefined) continue;
        if (to < from) {
          out.push(
            error(
              range.loc,
              `the days ${range.from.text}-${range.to?.text} run backwards`,
              'write the earlier day first, e.g. mon-fri; split a week-end span into two rules',
            ),
          );
          continue;
        }
        for (let d = from; d <= to; d++) days.push(d);
      }
      const ranges = (list: TimeRange[], what: string): Array<[number, number, TimeRange]> => {
        const result: Array<[number, number, TimeRange]> = [];
        for (const r of list) {
          const a = minutes(r.from, false);
          const b = minutes(r.to, true);
          if (Number.isNaN(a))
            out.push(error(r.from.loc, `'${r.from.text}' is not a time of day`, 'use 00:00 to 23:59'));
          if (Number.isNaN(b))
            out.push(error(r.to.loc, `'${r.to.text}' is not a time of day`, 'use 00:00 to 24:00'));
          if (Number.isNaN(a) || Number.isNaN(b)) continue;
          if (b <= a) {
            out.push(
              error(
                r.loc,
                `${what} ${r.from.text}-${r.to.text} end${what === 'hours' ? '' : 's'} before they start`,
                'the end time must be later than the start time on the same day',
              ),
            );
            continue;
          }
          result.push([a, b, r]);
        }
        return result;
      };
      const hours = ranges(rule.hours, 'hours');
      const breaks = ranges(rule.breaks, 'the break');
      for (const [a, b, r] of breaks) {
        if (!hours.some(([ha, hb]) => a >= ha && b <= hb)) {
          out.push(
            error(
              r.loc,
              `the break ${r.from.text}-${r.to.text} is outside the work hours`,
              'a break must lie within the hours of the same line',
            ),
          );
        }
      }
      for (const d of days) {
        const slot = perDay.get(d) ?? { hours: [], breaks: [] };
        for (const h of hours) {
          const clash = slot.hours.find(([a, b]) => h[0] < b && a < h[1]);
          if (clash) {
            out.push(
              error(
                h[2].loc,
                `these hours overlap ${hhmm(clash[0])}-${hhmm(clash[1])} on ${dayLabel(d)}`,
                `the other range is at ${where(clash[2].loc)}`,
              ),
            );
          } else slot.hours.push(h);
        }
        slot.breaks.push(...breaks);
        perDay.set(d, slot);
      }
    }
    const closed: string[] = [];
    for (const c of oh.closed) {
      if (!validDate(c.text))
        out.push(
          error(c.loc, `'${c.text}' is not a date`, 'write MM-DD for every year or YYYY-MM-DD for one day'),
        );
      else if (closed.includes(c.text)) out.push(warning(c.loc, `${c.text} is listed twice`));
      else closed.push(c.text);
    }
    const days: WorkDay[] = [...perDay.entries()]
      .sort(([a], [b]) => a - b)
      .map(([day, slot]) => ({
        day,
        hours: slot.hours.sort((x, y) => x[0] - y[0]).map(([a, b]) => ({ from: hhmm(a), to: hhmm(b) })),
        breaks: slot.breaks.sort((x, y) => x[0] - y[0]).map(([a, b]) => ({ from: hhmm(a), to: hhmm(b) })),
      }));
    officeHours = { timeZone, days, closed: closed.sort() };
    if ((profiles.offHours === undefined || profiles.offHours === '') && p0) {
      out.push(
        warning(
          oh.loc,
          'office hours are declared but no profile is used outside them',
          'add `outside office hours use home` to profiles { }',
        ),
      );
    }
  }
  return { languages, languageSet, officeHours, profiles, profileSet };
}

function dayLabel(d: number): string {
  return ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][d] ?? String(d);
}

export function where(loc: { file: string; line: number; col: number }): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}
