// The parser's syntax-error messages, in the words of the menu language: what was
// expected (a name, a key, a statement, ...) and what was found instead.
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import * as T from './lexer.js';

function describe(token: TokenType): string {
  switch (token) {
    case T.Identifier:
    case T.Word:
      return 'a name';
    case T.StringLiteral:
      return 'a "text"';
    case T.NumberLiteral:
      return 'a number';
    case T.DurationLiteral:
      return 'a duration such as 5s';
    case T.TimeOfDay:
      return 'a time such as 08:00';
    case T.DateLiteral:
      return 'a date such as 12-24';
    case T.PhonePrefix:
      return 'a country code such as +49';
    default: {
      if (token.LABEL) return token.LABEL;
      const pattern = token.PATTERN;
      if (pattern instanceof RegExp) {
        const source = pattern.source.replace(/\(\?!.*$/, '').replace(/\\/g, '');
        return `'${source}'`;
      }
      return token.name;
    }
  }
}

function shown(token: IToken): string {
  if (token.tokenType === undefined || token.image === '') return 'the end of the file';
  return `'${token.image}'`;
}

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected.name === 'EOF') return `unexpected ${shown(actual)}: ${ruleDescriptions.topLevel} expected`;
    return `expected ${describe(expected)} but found ${shown(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${shown(firstRedundant)}: expected a declaration (flow, languages, office hours, profiles, import)`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = new Set<string>();
    for (const alt of expectedPathsPerAlt) for (const path of alt) if (path[0]) firsts.add(describe(path[0]));
    const what = ruleDescriptions[ruleName] ?? 'something else';
    const list = [...firsts].slice(0, 8).join(', ');
    return `unexpected ${shown(actual[0]!)}: expected ${what}${list ? ` (${list})` : ''}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = new Set<string>();
    for (const path of expectedIterationPaths) if (path[0]) firsts.add(describe(path[0]));
    const what = ruleDescriptions[ruleName] ?? [...firsts].join(' or ');
    return `expected ${what} but found ${shown(actual[0]!)}`;
  },
};

const ruleDescriptions: Record<string, string> = {
  statement: 'a statement (say, play, if, goto, record, an action call, ...)',
  menuItem: 'a menu line (say, press, input, timeout, tries, invalid, silence, give up, ...)',
  primary: 'a value (a name, a number, "text", yes/no, an action call)',
  target: 'a menu or step name, back, top, repeat, next or hang up',
  key: 'a key: 0-9, * (or star), hash',
  topLevel: 'a declaration (flow, languages, office hours, profiles, import)',
  sayItem: 'a prompt name or number/digits/phone/date/time/duration/text',
  sayStmt: 'what to say: a prompt name, or number/digits/phone/date/time/duration/text and a value',
  languagesItem: 'default, by caller, otherwise or offer',
  profilesItem: 'available, default, internal callers get, outside office hours use, during breaks use',
  officeHoursItem: 'days such as mon-fri, closed, or time zone',
  flowItem: 'a statement, a menu or a step',
};
