// Tokens of the voicebox menu language. Keywords are real tokens (fast, clear
// errors), but every keyword is also a `Word`, so wherever the grammar expects a
// plain name that cannot be confused with a statement (a property after `.`, an
// outcome after `on`, the later words of an action name) any word is accepted.
import { createToken, Lexer, type ILexingResult, type TokenType } from 'chevrotain';

export const Word = createToken({ name: 'Word', pattern: Lexer.NA });
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Word],
});

const keywordTokens: TokenType[] = [];
const keywordByWord = new Map<string, TokenType>();
/**
 * Keywords are not lexed by patterns of their own: every word is lexed as an
 * Identifier, and `tokenize` then gives keywords their own token type. One regular
 * expression per word instead of one per keyword makes the lexer several times faster.
 */
function keyword(word: string): TokenType {
  const token = createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: Lexer.NA,
    label: `'${word}'`,
    categories: [Word],
  });
  keywordTokens.push(token);
  keywordByWord.set(word, token);
  return token;
}

// declarations
export const Import = keyword('import');
export const Languages = keyword('languages');
export const Office = keyword('office');
export const Hours = keyword('hours');
export const Profiles = keyword('profiles');
export const Flow = keyword('flow');
export const Menu = keyword('menu');
export const Step = keyword('step');
// statements
export const Say = keyword('say');
export const Play = keyword('play');
export const Beep = keyword('beep');
export const Wait = keyword('wait');
export const Goto = keyword('goto');
export const Back = keyword('back');
export const Top = keyword('top');
export const Repeat = keyword('repeat');
export const Next = keyword('next');
export const Previous = keyword('previous');
export const Stop = keyword('stop');
export const Hang = keyword('hang');
export const Up = keyword('up');
export const If = keyword('if');
export const Else = keyword('else');
export const For = keyword('for');
export const Each = keyword('each');
export const In = keyword('in');
export const Record = keyword('record');
export const Transfer = keyword('transfer');
export const Connect = keyword('connect');
export const To = keyword('to');
export const On = keyword('on');
export const Log = keyword('log');
// menus
export const Press = keyword('press');
export const When = keyword('when');
export const Input = keyword('input');
export const Digits = keyword('digits');
export const Timeout = keyword('timeout');
export const Tries = keyword('tries');
export const Invalid = keyword('invalid');
export const Silence = keyword('silence');
export const Give = keyword('give');
export const Retry = keyword('retry');
export const Barge = keyword('barge');
export const Star = keyword('star');
export const Hash = keyword('hash');
export const Max = keyword('max');
export const End = keyword('end');
export const With = keyword('with');
// expressions
export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const Yes = keyword('yes');
export const No = keyword('no');
// value kinds after `say`
export const NumberKw = keyword('number');
export const Date = keyword('date');
export const Time = keyword('time');
export const Duration = keyword('duration');
export const Text = keyword('text');
export const Phone = keyword('phone');

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
// `#` starts a comment; the DTMF key is written `hash` (and `*` or `star`).
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: 'comments' });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n]|\\.)*"/ });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n]|\\.)*/ });
export const DurationLiteral = createToken({
  name: 'DurationLiteral',
  pattern: /\d+(?:ms|s|min|h)(?![A-Za-z0-9_])/,
});
export const TimeOfDay = createToken({ name: 'TimeOfDay', pattern: /\d{1,2}:\d{2}(?![0-9])/ });
export const DateLiteral = createToken({ name: 'DateLiteral', pattern: /(?:\d{4}-)?\d{2}-\d{2}(?![0-9])/ });
export const PhonePrefix = createToken({ name: 'PhonePrefix', pattern: /\+\d+/ });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+/ });
export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const Asterisk = createToken({ name: 'Asterisk', pattern: /\*/ });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/ });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/ });
export const LessEq = createToken({ name: 'LessEq', pattern: /<=/ });
export const GreaterEq = createToken({ name: 'GreaterEq', pattern: />=/ });
export const Less = createToken({ name: 'Less', pattern: /</ });
export const Greater = createToken({ name: 'Greater', pattern: />/ });
export const Assign = createToken({ name: 'Assign', pattern: /=/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLiteral,
  UnterminatedString,
  DurationLiteral,
  TimeOfDay,
  DateLiteral,
  PhonePrefix,
  NumberLiteral,
  Arrow,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Comma,
  Semicolon,
  Colon,
  Dot,
  Asterisk,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Assign,
  Minus,
  Plus,
  ...keywordTokens,
  Word,
  Identifier,
];

export const keywords: ReadonlySet<string> = new Set(keywordByWord.keys());

export const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true });

/** Lexes a file: words become keywords where they are one. */
export function tokenize(text: string): ILexingResult {
  const result = lexer.tokenize(text);
  for (const token of result.tokens) {
    if (token.tokenType !== Identifier) continue;
    const kw = keywordByWord.get(token.image);
    if (kw) {
      token.tokenType = kw;
      token.tokenTypeIdx = kw.tokenTypeIdx!;
    }
  }
  return result;
}
