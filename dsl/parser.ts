// Grammar of the voicebox menu language (Chevrotain, embedded actions: the parser
// builds the syntax tree directly, which keeps it fast). Error recovery is on, so one
// run reports every syntax error of a file, not just the first.
import { EmbeddedActionsParser, tokenMatcher, type IToken, type IRecognitionException } from 'chevrotain';
import * as T from './lexer.js';
import { messages } from './parser-messages.js';
import type {
  Arg,
  CallExpr,
  DayRange,
  Expr,
  FlowDecl,
  Handler,
  ImportDecl,
  IvrFile,
  LanguageItem,
  LanguagesDecl,
  MenuDecl,
  MenuInput,
  MenuOption,
  Name,
  OfficeHoursDecl,
  OutcomeHandler,
  ProfileItem,
  ProfilesDecl,
  SayAs,
  SayItem,
  SourceLoc,
  StepDecl,
  Stmt,
  Target,
  TimeRange,
  WorkDayRule,
} from './ast.js';
import type { Diagnostic } from './diagnostics.js';

export function locOf(file: string, token: IToken): SourceLoc {
  return {
    file,
    line: token.startLine ?? 0,
    col: token.startColumn ?? 0,
    length: Math.max(1, token.image?.length ?? 1),
  };
}

function unquote(image: string | undefined): string {
  if (image === undefined) return '';
  return image.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function durationMs(image: string | undefined): number {
  const m = /^(\d+)(ms|s|min|h)$/.exec(image ?? '');
  if (!m) return NaN;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n;
    case 's':
      return n * 1000;
    case 'min':
      return n * 60_000;
    default:
      return n * 3_600_000;
  }
}

class IvrParser extends EmbeddedActionsParser {
  file = '';
  extra: Diagnostic[] = [];
  /** remarks that recovery from a syntax error can cause; dropped close behind one */
  remarks: Diagnostic[] = [];

  /** `validate`: run Chevrotain's grammar checks (slow; the tests do it once) */
  constructor(validate = false) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 2,
      errorMessageProvider: messages,
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  private loc(token: IToken): SourceLoc {
    // a token the recovery invented has no position: use the last real one
    if (token === undefined || !(Number(token.startLine) > 0)) {
      const last = this.LA(0);
      return last && Number(last.startLine) > 0
        ? locOf(this.file, last)
        : { file: this.file, line: 1, col: 1, length: 1 };
    }
    return locOf(this.file, token);
  }

  private name(token: IToken): Name {
    return { text: token.image ?? '', loc: this.loc(token) };
  }

  /** the current token starts an action call: words on one line, then `(` */
  private callAhead(): boolean {
    const first = this.LA(0);
    for (let i = 1; ; i++) {
      const t = this.LA(i);
      if (tokenMatcher(t, T.LParen)) return t.startLine === first.startLine || i > 1;
      if (!tokenMatcher(t, T.Word) || t.startLine !== first.startLine) return false;
    }
  }

  private contextual(word: string): boolean {
    const t = this.LA(1);
    return tokenMatcher(t, T.Identifier) && t.image === word;
  }

  private expectWord(token: IToken, word: string): void {
    this.ACTION(() => {
      if (token.image !== word && token.image !== '') {
        this.extra.push({
          severity: 'error',
          loc: this.loc(token),
          message: `expected '${word}' but found '${token.image}'`,
          hint: undefined,
        });
      }
    });
  }

  public fileRule = this.RULE('fileRule', (): IvrFile => {
    const result: IvrFile = {
      path: this.file,
      imports: [],
      languages: [],
      officeHours: [],
      profiles: [],
      flows: [],
    };
    this.MANY(() => {
      this.SUBRULE(this.topLevel, { ARGS: [result] });
    });
    return result;
  });

  private topLevel = this.RULE('topLevel', (into: IvrFile) => {
    this.OR([
      {
        ALT: () => {
          const imp = this.SUBRULE(this.importDecl);
          this.ACTION(() => into.imports.push(imp));
        },
      },
      {
        ALT: () => {
          const decl = this.SUBRULE(this.languagesDecl);
          this.ACTION(() => into.languages.push(decl));
        },
      },
      {
        ALT: () => {
          const decl = this.SUBRULE(this.officeHoursDecl);
          this.ACTION(() => into.officeHours.push(decl));
        },
      },
      {
        ALT: () => {
          const decl = this.SUBRULE(this.profilesDecl);
          this.ACTION(() => into.profiles.push(decl));
        },
      },
      {
        ALT: () => {
          const decl = this.SUBRULE(this.flowDecl);
          this.ACTION(() => into.flows.push(decl));
        },
      },
    ]);
  });

  private importDecl = this.RULE('importDecl', (): ImportDecl => {
    const kw = this.CONSUME(T.Import);
    const path = this.CONSUME(T.StringLiteral);
    return { path: unquote(path.image), loc: this.loc(path.image ? path : kw) };
  });

  // ---------------------------------------------------------------- languages
  private languagesDecl = this.RULE('languagesDecl', (): LanguagesDecl => {
    const kw = this.CONSUME(T.Languages);
    const items: LanguageItem[] = [];
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      const item = this.SUBRULE(this.languagesItem);
      this.ACTION(() => item && items.push(item));
    });
    this.CONSUME(T.RBrace);
    return { loc: this.loc(kw), items };
  });

  private languagesItem = this.RULE('languagesItem', (): LanguageItem => {
    return this.OR<LanguageItem>({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.contextual('default'),
          ALT: () => {
            const kw = this.CONSUME(T.Identifier);
            const lang = this.CONSUME2(T.Identifier);
            return { kind: 'default', language: this.name(lang), loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('by'),
          ALT: () => {
            const kw = this.CONSUME3(T.Identifier);
            this.expectWord(this.CONSUME4(T.Identifier), 'caller');
            const prefixes: Name[] = [];
            this.AT_LEAST_ONE(() => {
              const p = this.CONSUME(T.PhonePrefix);
              this.OPTION(() => this.CONSUME(T.Comma));
              prefixes.push(this.name(p));
            });
            this.CONSUME(T.Arrow);
            const lang = this.CONSUME5(T.Identifier);
            return { kind: 'byCaller', prefixes, language: this.name(lang), loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('otherwise'),
          ALT: () => {
            const kw = this.CONSUME6(T.Identifier);
            const lang = this.CONSUME7(T.Identifier);
            return { kind: 'otherwise', language: this.name(lang), loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('offer'),
          ALT: () => {
            const kw = this.CONSUME8(T.Identifier);
            const languages: Name[] = [];
            this.AT_LEAST_ONE_SEP({
              SEP: T.Comma,
              DEF: () => languages.push(this.name(this.CONSUME9(T.Identifier))),
            });
            return { kind: 'offer', languages, loc: this.loc(kw) };
          },
        },
      ],
    });
  });

  // ------------------------------------------------------------- office hours
  private officeHoursDecl = this.RULE('officeHoursDecl', (): OfficeHoursDecl => {
    const kw = this.CONSUME(T.Office);
    this.CONSUME(T.Hours);
    const decl: OfficeHoursDecl = { loc: this.loc(kw), days: [], closed: [] };
    this.OPTION(() => {
      const tz = this.CONSUME(T.StringLiteral);
      decl.timeZone = { text: unquote(tz.image), loc: this.loc(tz) };
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.officeHoursItem, { ARGS: [decl] }));
    this.CONSUME(T.RBrace);
    return decl;
  });

  private officeHoursItem = this.RULE('officeHoursItem', (decl: OfficeHoursDecl) => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.contextual('closed'),
          ALT: () => {
            this.CONSUME(T.Identifier);
            this.AT_LEAST_ONE_SEP({
              SEP: T.Comma,
              DEF: () => {
                const d = this.CONSUME(T.DateLiteral);
                this.ACTION(() => decl.closed.push(this.name(d)));
              },
            });
          },
        },
        {
          GATE: () => this.contextual('time'),
          ALT: () => {
            this.CONSUME(T.Time);
            this.expectWord(this.CONSUME2(T.Identifier), 'zone');
            const tz = this.CONSUME(T.StringLiteral);
            this.ACTION(() => (decl.timeZone = { text: unquote(tz.image), loc: this.loc(tz) }));
          },
        },
        {
          ALT: () => {
            const rule = this.SUBRULE(this.workDayRule);
            this.ACTION(() => rule && decl.days.push(rule));
          },
        },
      ],
    });
  });

  private workDayRule = this.RULE('workDayRule', (): WorkDayRule => {
    const days: DayRange[] = [];
    const hours: TimeRange[] = [];
    const breaks: TimeRange[] = [];
    const first = this.LA(1);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const from = this.CONSUME(T.Identifier);
        const range: DayRange = { from: this.name(from), loc: this.loc(from) };
        this.OPTION(() => {
          this.CONSUME(T.Minus);
          range.to = this.name(this.CONSUME2(T.Identifier));
        });
        days.push(range);
      },
    });
    this.AT_LEAST_ONE_SEP2({
      SEP: T.Comma,
      DEF: () => {
        const range = this.SUBRULE(this.timeRange);
        this.ACTION(() => range && hours.push(range));
      },
    });
    this.MANY({
      GATE: () => this.contextual('break'),
      DEF: () => {
        this.CONSUME3(T.Identifier, { LABEL: "'break'" });
        const range = this.SUBRULE2(this.timeRange);
        this.ACTION(() => range && breaks.push(range));
      },
    });
    return { days, hours, breaks, loc: this.loc(first) };
  });

  private timeRange = this.RULE('timeRange', (): TimeRange => {
    const from = this.CONSUME(T.TimeOfDay);
    this.CONSUME(T.Minus);
    const to = this.CONSUME2(T.TimeOfDay);
    return { from: this.name(from), to: this.name(to), loc: this.loc(from) };
  });

  // ----------------------------------------------------------------- profiles
  private profilesDecl = this.RULE('profilesDecl', (): ProfilesDecl => {
    const kw = this.CONSUME(T.Profiles);
    const items: ProfileItem[] = [];
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      const item = this.SUBRULE(this.profilesItem);
      this.ACTION(() => item && items.push(item));
    });
    this.CONSUME(T.RBrace);
    return { loc: this.loc(kw), items };
  });

  private profilesItem = this.RULE('profilesItem', (): ProfileItem => {
    return this.OR<ProfileItem>({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.contextual('available'),
          ALT: () => {
            const kw = this.CONSUME(T.Identifier);
            const profiles: Name[] = [];
            this.AT_LEAST_ONE_SEP({
              SEP: T.Comma,
              DEF: () => profiles.push(this.name(this.CONSUME2(T.Identifier))),
            });
            return { kind: 'available', profiles, loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('default'),
          ALT: () => {
            const kw = this.CONSUME3(T.Identifier);
            return { kind: 'default', profile: this.name(this.CONSUME4(T.Identifier)), loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('internal'),
          ALT: () => {
            const kw = this.CONSUME5(T.Identifier);
            this.expectWord(this.CONSUME6(T.Identifier), 'callers');
            this.expectWord(this.CONSUME7(T.Identifier), 'get');
            return { kind: 'internal', profile: this.name(this.CONSUME8(T.Identifier)), loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('outside'),
          ALT: () => {
            const kw = this.CONSUME9(T.Identifier);
            this.CONSUME(T.Office);
            this.CONSUME(T.Hours);
            this.expectWord(this.CONSUME(T.Word), 'use');
            return { kind: 'offHours', profile: this.name(this.CONSUME2(T.Word)), loc: this.loc(kw) };
          },
        },
        {
          GATE: () => this.contextual('during'),
          ALT: () => {
            const kw = this.CONSUME3(T.Word);
            this.expectWord(this.CONSUME4(T.Word), 'breaks');
            this.expectWord(this.CONSUME5(T.Word), 'use');
            return { kind: 'breaks', profile: this.name(this.CONSUME6(T.Word)), loc: this.loc(kw) };
          },
        },
      ],
    });
  });

  // -------------------------------------------------------------------- flows
  private flowDecl = this.RULE('flowDecl', (): FlowDecl => {
    const kw = this.CONSUME(T.Flow);
    const name = this.CONSUME(T.Identifier);
    const flow: FlowDecl = { name: this.name(name), loc: this.loc(kw), body: [], blocks: [] };
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.flowItem, { ARGS: [flow] }));
    this.CONSUME(T.RBrace);
    return flow;
  });

  private flowItem = this.RULE('flowItem', (flow: FlowDecl) => {
    // a `menu` directly in a flow is one of its blocks (the statement form is for
    // menus nested in a step, e.g. inside a `for each`)
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            const step = this.SUBRULE(this.stepDecl);
            this.ACTION(() => step && flow.blocks.push(step));
          },
        },
        {
          ALT: () => {
            const menu = this.SUBRULE(this.menuDecl);
            this.ACTION(() => menu && flow.blocks.push(menu));
          },
        },
        {
          ALT: () => {
            const stmt = this.SUBRULE(this.statement);
            this.ACTION(() => {
              if (!stmt) return;
              if (flow.blocks.length > 0) {
                this.extra.push({
                  severity: 'error',
                  loc: stmt.loc,
                  message: 'a statement after the first menu or step is never run',
                  hint: 'put it inside a menu or step, or before the first one',
                });
              } else flow.body.push(stmt);
            });
          },
        },
      ],
    });
  });

  private stepDecl = this.RULE('stepDecl', (): StepDecl => {
    const kw = this.CONSUME(T.Step);
    const name = this.CONSUME(T.Identifier);
    const body = this.SUBRULE(this.block);
    return { kind: 'step', name: this.name(name), loc: this.loc(kw), body };
  });

  private block = this.RULE('block', (): Stmt[] => {
    const body: Stmt[] = [];
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      const stmt = this.SUBRULE(this.statement);
      this.ACTION(() => stmt && body.push(stmt));
    });
    this.CONSUME(T.RBrace);
    return body;
  });

  // ------------------------------------------------------------------- menus
  private menuDecl = this.RULE('menuDecl', (): MenuDecl => {
    const kw = this.CONSUME(T.Menu);
    const name = this.CONSUME(T.Identifier);
    const menu: MenuDecl = {
      kind: 'menu',
      name: this.name(name),
      loc: this.loc(kw),
      prompts: [],
      options: [],
    };
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.menuItem, { ARGS: [menu] }));
    this.CONSUME(T.RBrace);
    return menu;
  });

  private duplicate(what: string, token: IToken): void {
    this.extra.push({
      severity: 'error',
      loc: this.loc(token),
      message: `this menu already has ${what}`,
      hint: 'keep one of them',
    });
  }

  private menuItem = this.RULE('menuItem', (menu: MenuDecl) => {
    this.OR([
      {
        ALT: () => {
          const kw = this.CONSUME(T.Timeout);
          // accept what people write by mistake (`timeout 5`), to say what is wrong
          const d = this.OR2([
            { ALT: () => this.CONSUME(T.DurationLiteral) },
            { ALT: () => this.CONSUME2(T.NumberLiteral) },
            { ALT: () => this.CONSUME2(T.Identifier) },
          ]);
          this.ACTION(() => {
            if (menu.timeout) this.duplicate('a timeout', kw);
            if (d.tokenType !== T.DurationLiteral) {
              this.extra.push({
                severity: 'error',
                loc: this.loc(d),
                message: `expected a duration such as 5s but found '${d.image}'`,
                hint: /^\d+$/.test(d.image)
                  ? `write ${d.image}s for seconds`
                  : 'write a number with s, ms, min or h',
              });
            } else menu.timeout = { ms: durationMs(d.image), loc: this.loc(d) };
          });
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Tries);
          const n = this.CONSUME(T.NumberLiteral);
          this.ACTION(() => {
            if (menu.tries) this.duplicate('a number of tries', kw);
            menu.tries = { count: Number(n.image), loc: this.loc(n) };
          });
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Barge);
          this.CONSUME(T.In);
          const on = this.OR3([
            { ALT: () => this.CONSUME(T.On) },
            { ALT: () => this.CONSUME(T.Identifier, { LABEL: "'off'" }) },
          ]);
          this.ACTION(() => {
            if (on.image !== 'on' && on.image !== 'off') {
              this.extra.push({
                severity: 'error',
                loc: this.loc(on),
                message: `expected 'on' or 'off' but found '${on.image}'`,
                hint: undefined,
              });
            }
            menu.bargeIn = { on: on.image === 'on', loc: this.loc(kw) };
          });
        },
      },
      {
        ALT: () => {
          const stmt = this.SUBRULE(this.promptStatement);
          this.ACTION(() => stmt && menu.prompts.push(stmt));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Retry);
          const body = this.SUBRULE(this.promptBlock);
          this.ACTION(() => {
            if (menu.retryPrompts) this.duplicate('retry prompts', kw);
            menu.retryPrompts = body;
          });
        },
      },
      {
        // `intro [stop on KEY [or KEY]] { ... }`: `intro` is a word, not a keyword
        GATE: () => this.contextual('intro'),
        ALT: () => {
          const kw = this.CONSUME3(T.Identifier);
          const stop: Name[] = [];
          this.OPTION(() => {
            this.CONSUME(T.Stop);
            this.CONSUME2(T.On);
            this.AT_LEAST_ONE_SEP({
              SEP: T.Or,
              DEF: () => {
                const k = this.SUBRULE(this.key);
                this.ACTION(() => stop.push(k));
              },
            });
          });
          const body = this.SUBRULE2(this.promptBlock);
          this.ACTION(() => {
            if (menu.intro) this.duplicate('an intro', kw);
            menu.intro = { prompts: body, stop, loc: this.loc(kw) };
          });
        },
      },
      {
        ALT: () => {
          const input = this.SUBRULE(this.menuInput);
          this.ACTION(() => {
            if (menu.input) this.duplicate('an input', this.LA(0));
            menu.input = input;
          });
        },
      },
      {
        ALT: () => {
          const option = this.SUBRULE(this.menuOption);
          this.ACTION(() => option && menu.options.push(option));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Invalid);
          const h = this.SUBRULE(this.handler);
          this.ACTION(() => {
            if (menu.invalid) this.duplicate('an invalid handler', kw);
            menu.invalid = h;
          });
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Silence);
          const h = this.SUBRULE2(this.handler);
          this.ACTION(() => {
            if (menu.silence) this.duplicate('a silence handler', kw);
            menu.silence = h;
          });
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Give);
          this.CONSUME(T.Up);
          const h = this.SUBRULE3(this.handler);
          this.ACTION(() => {
            if (menu.giveUp) this.duplicate('a give up handler', kw);
            menu.giveUp = h;
          });
        },
      },
    ]);
  });

  private promptBlock = this.RULE('promptBlock', (): Stmt[] => {
    const body: Stmt[] = [];
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      const stmt = this.SUBRULE(this.promptStatement);
      this.ACTION(() => stmt && body.push(stmt));
    });
    this.CONSUME(T.RBrace);
    return body;
  });

  /** what a menu may play before it listens: say, play, beep and conditions over them */
  private promptStatement = this.RULE('promptStatement', (): Stmt => {
    return this.OR<Stmt>([
      { ALT: () => this.SUBRULE(this.sayStmt) },
      { ALT: () => this.SUBRULE(this.playStmt) },
      { ALT: () => ({ kind: 'beep', loc: this.loc(this.CONSUME(T.Beep)) }) },
      {
        ALT: () => {
          const kw = this.CONSUME(T.If);
          const condition = this.SUBRULE(this.expression);
          const then = this.SUBRULE(this.promptBlock);
          let otherwise: Stmt[] | undefined;
          this.OPTION(() => {
            this.CONSUME(T.Else);
            otherwise = this.OR2([
              { ALT: () => [this.SUBRULE(this.promptStatement)] },
              { ALT: () => this.SUBRULE2(this.promptBlock) },
            ]);
          });
          return { kind: 'if', condition, then, else: otherwise, loc: this.loc(kw) };
        },
      },
    ]);
  });

  private menuInput = this.RULE('menuInput', (): MenuInput => {
    const kw = this.CONSUME(T.Input);
    const variable = this.CONSUME(T.Identifier);
    const min = this.CONSUME(T.NumberLiteral);
    let max = min;
    this.OPTION(() => {
      this.CONSUME(T.To);
      max = this.CONSUME2(T.NumberLiteral);
    });
    this.CONSUME(T.Digits);
    const terminators: Name[] = [];
    this.OPTION2(() => {
      this.CONSUME(T.End);
      this.AT_LEAST_ONE_SEP({ SEP: T.Or, DEF: () => terminators.push(this.SUBRULE(this.key)) });
    });
    const handler = this.SUBRULE(this.handler);
    return {
      variable: this.name(variable),
      min: Number(min.image),
      max: Number(max.image),
      terminators,
      handler,
      loc: this.loc(kw),
    };
  });

  private menuOption = this.RULE('menuOption', (): MenuOption => {
    const kw = this.CONSUME(T.Press);
    const key = this.SUBRULE(this.key);
    let label: Name | undefined;
    this.OPTION({
      GATE: () => this.contextual('label'),
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: "'label'" });
        label = this.name(this.CONSUME2(T.Identifier));
      },
    });
    let when: Expr | undefined;
    this.OPTION2(() => {
      this.CONSUME(T.When);
      when = this.SUBRULE(this.expression);
    });
    const handler = this.SUBRULE(this.handler);
    return label
      ? { key, label, when, handler, loc: this.loc(kw) }
      : { key, when, handler, loc: this.loc(kw) };
  });

  private key = this.RULE('key', (): Name => {
    const token = this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.Asterisk) },
      { ALT: () => this.CONSUME(T.Star) },
      { ALT: () => this.CONSUME(T.Hash) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.PhonePrefix) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
    ]);
    return this.name(token);
  });

  private handler = this.RULE('handler', (): Handler => {
    return this.OR<Handler>([
      {
        ALT: () => {
          const arrow = this.CONSUME(T.Arrow);
          const target = this.SUBRULE(this.target);
          return { kind: 'goto', target, loc: this.loc(arrow) };
        },
      },
      {
        ALT: () => {
          const first = this.LA(1);
          const body = this.SUBRULE(this.block);
          return { kind: 'block', body, loc: this.loc(first) };
        },
      },
    ]);
  });

  private target = this.RULE('target', (): Target => {
    return this.OR<Target>([
      { ALT: () => ({ kind: 'back', loc: this.loc(this.CONSUME(T.Back)) }) },
      { ALT: () => ({ kind: 'top', loc: this.loc(this.CONSUME(T.Top)) }) },
      { ALT: () => ({ kind: 'repeat', loc: this.loc(this.CONSUME(T.Repeat)) }) },
      { ALT: () => ({ kind: 'retry', loc: this.loc(this.CONSUME(T.Retry)) }) },
      { ALT: () => ({ kind: 'next', loc: this.loc(this.CONSUME(T.Next)) }) },
      { ALT: () => ({ kind: 'previous', loc: this.loc(this.CONSUME(T.Previous)) }) },
      { ALT: () => ({ kind: 'stop', loc: this.loc(this.CONSUME(T.Stop)) }) },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Hang);
          this.CONSUME(T.Up);
          return { kind: 'hangup', loc: this.loc(kw) };
        },
      },
      {
        ALT: () => {
          const first = this.CONSUME(T.Identifier);
          let second: IToken | undefined;
          this.OPTION(() => {
            this.CONSUME(T.Dot);
            second = this.CONSUME2(T.Identifier);
          });
          const loc = this.loc(first);
          if (second) {
            loc.length = (second.endOffset ?? 0) - first.startOffset + 1;
            return { kind: 'name', flow: this.name(first), name: this.name(second), loc };
          }
          return { kind: 'name', name: this.name(first), loc };
        },
      },
    ]);
  });

  // -------------------------------------------------------------- statements
  private statement = this.RULE('statement', (): Stmt => {
    const stmt = this.OR<Stmt>([
      { ALT: () => this.SUBRULE(this.sayStmt) },
      { ALT: () => this.SUBRULE(this.playStmt) },
      { ALT: () => ({ kind: 'beep', loc: this.loc(this.CONSUME(T.Beep)) }) },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Wait);
          const d = this.CONSUME(T.DurationLiteral);
          return { kind: 'wait', ms: durationMs(d.image), loc: this.loc(kw) };
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Log);
          const text = this.CONSUME(T.StringLiteral);
          return { kind: 'log', message: unquote(text.image), loc: this.loc(kw) };
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Goto);
          const target = this.SUBRULE(this.target);
          return { kind: 'goto', target, loc: this.loc(kw) };
        },
      },
      { ALT: () => this.SUBRULE(this.bareJump) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.forEachStmt) },
      {
        ALT: () => {
          const menu = this.SUBRULE(this.menuDecl);
          return { kind: 'menu', menu, loc: menu?.loc };
        },
      },
      { ALT: () => this.SUBRULE(this.recordStmt) },
      { ALT: () => this.SUBRULE(this.transferStmt) },
      { ALT: () => this.SUBRULE(this.nameStatement) },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
    return stmt;
  });

  private bareJump = this.RULE('bareJump', (): Stmt => {
    const token = this.LA(1);
    const target = this.OR<Target>([
      { ALT: () => ({ kind: 'back', loc: this.loc(this.CONSUME(T.Back)) }) },
      { ALT: () => ({ kind: 'top', loc: this.loc(this.CONSUME(T.Top)) }) },
      { ALT: () => ({ kind: 'repeat', loc: this.loc(this.CONSUME(T.Repeat)) }) },
      { ALT: () => ({ kind: 'retry', loc: this.loc(this.CONSUME(T.Retry)) }) },
      { ALT: () => ({ kind: 'next', loc: this.loc(this.CONSUME(T.Next)) }) },
      { ALT: () => ({ kind: 'previous', loc: this.loc(this.CONSUME(T.Previous)) }) },
      { ALT: () => ({ kind: 'stop', loc: this.loc(this.CONSUME(T.Stop)) }) },
      {
        ALT: () => {
          const kw = this.CONSUME(T.Hang);
          this.CONSUME(T.Up);
          return { kind: 'hangup', loc: this.loc(kw) };
        },
      },
    ]);
    return { kind: 'goto', target, loc: this.loc(token) };
  });

  private sayStmt = this.RULE('sayStmt', (): Stmt => {
    const kw = this.CONSUME(T.Say);
    const items: SayItem[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const item = this.SUBRULE(this.sayItem);
        this.ACTION(() => item && items.push(item));
      },
    });
    return { kind: 'say', items, loc: this.loc(kw) };
  });

  private sayItem = this.RULE('sayItem', (): SayItem => {
    return this.OR<SayItem>([
      {
        ALT: (): SayItem => {
          const kw = this.OR2([
            { ALT: () => this.CONSUME(T.NumberKw) },
            { ALT: () => this.CONSUME(T.Digits) },
            { ALT: () => this.CONSUME(T.Phone) },
            { ALT: () => this.CONSUME(T.Date) },
            { ALT: () => this.CONSUME(T.Time) },
            { ALT: () => this.CONSUME(T.Duration) },
            { ALT: () => this.CONSUME(T.Text) },
          ]);
          const value = this.SUBRULE(this.expression);
          // `say text part in m.language`: the voice of that language
          let language: Expr | undefined;
          this.OPTION2(() => {
            this.CONSUME(T.In);
            language = this.SUBRULE2(this.expression);
          });
          return {
            kind: 'value',
            as: kw.image as SayAs,
            value,
            ...(language ? { language } : {}),
            loc: this.loc(kw),
          };
        },
      },
      {
        ALT: (): SayItem => {
          const id = this.CONSUME(T.Identifier);
          let args: Arg[] = [];
          this.OPTION(() => {
            args = this.SUBRULE(this.argList);
          });
          // `keys` is no prompt: the labels of the keys the menu offers now
          if (id.image === 'keys') {
            this.ACTION(() => {
              if (args.length > 0)
                this.extra.push({
                  severity: 'error',
                  loc: this.loc(id),
                  message: "'say keys' takes no values",
                  hint: "each key's label is filled with the key's name",
                });
            });
            return { kind: 'keys', loc: this.loc(id) };
          }
          return { kind: 'prompt', id: this.name(id), args, loc: this.loc(id) };
        },
      },
    ]);
  });

  private playStmt = this.RULE('playStmt', (): Stmt => {
    const kw = this.CONSUME(T.Play);
    const audio = this.SUBRULE(this.expression);
    return { kind: 'play', audio, loc: this.loc(kw) };
  });

  private ifStmt = this.RULE('ifStmt', (): Stmt => {
    const kw = this.CONSUME(T.If);
    const condition = this.SUBRULE(this.expression);
    const then = this.SUBRULE(this.block);
    let otherwise: Stmt[] | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Else);
      otherwise = this.OR([
        { ALT: () => [this.SUBRULE(this.ifStmt)] },
        { ALT: () => this.SUBRULE2(this.block) },
      ]);
    });
    return { kind: 'if', condition, then, else: otherwise, loc: this.loc(kw) };
  });

  private forEachStmt = this.RULE('forEachStmt', (): Stmt => {
    const kw = this.CONSUME(T.For);
    this.CONSUME(T.Each);
    const variable = this.CONSUME(T.Identifier);
    this.CONSUME(T.In);
    const list = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return { kind: 'forEach', variable: this.name(variable), list, body, loc: this.loc(kw) };
  });

  private recordStmt = this.RULE('recordStmt', (): Stmt => {
    const kw = this.CONSUME(T.Record);
    const variable = this.CONSUME(T.Identifier);
    const stmt: Stmt & { kind: 'record' } = {
      kind: 'record',
      variable: this.name(variable),
      terminators: [],
      outcomes: [],
      loc: this.loc(kw),
    };
    this.MANY(() => {
      this.OPTION(() => this.CONSUME(T.Comma));
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Up);
            this.CONSUME(T.To);
            // a duration (`up to 180s`) or one the admin sets (`up to config.max_message`)
            const max = this.SUBRULE(this.expression);
            this.ACTION(() => (stmt.max = max));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Silence);
            const d = this.CONSUME2(T.DurationLiteral);
            this.ACTION(() => (stmt.silenceMs = durationMs(d.image)));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Stop);
            this.CONSUME(T.On);
            this.AT_LEAST_ONE_SEP({
              SEP: T.Or,
              DEF: () => {
                const k = this.SUBRULE(this.key);
                this.ACTION(() => stmt.terminators.push(k));
              },
            });
          },
        },
      ]);
    });
    stmt.outcomes = this.SUBRULE(this.outcomeHandlers);
    return stmt;
  });

  private transferStmt = this.RULE('transferStmt', (): Stmt => {
    const kw = this.OR([{ ALT: () => this.CONSUME(T.Transfer) }, { ALT: () => this.CONSUME(T.Connect) }]);
    this.CONSUME(T.To);
    const to = this.SUBRULE(this.expression);
    const outcomes = this.SUBRULE(this.outcomeHandlers);
    return {
      kind: 'transfer',
      mode: kw.image === 'connect' ? 'connect' : 'transfer',
      to,
      outcomes,
      loc: this.loc(kw),
    };
  });

  private outcomeHandlers = this.RULE('outcomeHandlers', (): OutcomeHandler[] => {
    const handlers: OutcomeHandler[] = [];
    this.MANY(() => {
      const kw = this.CONSUME(T.On);
      const words: IToken[] = [];
      this.AT_LEAST_ONE(() => words.push(this.CONSUME(T.Word)));
      const handler = this.SUBRULE(this.handler);
      this.ACTION(() => {
        const first = words[0]!;
        const last = words[words.length - 1]!;
        const loc = this.loc(first);
        loc.length = (last.endOffset ?? 0) - first.startOffset + 1;
        handlers.push({
          outcome: { text: words.map((w) => w.image).join(' '), loc },
          handler,
          loc: this.loc(kw),
        });
      });
    });
    return handlers;
  });

  /** `x = value`, `call.language = en`, `x = some action(...)`, or `some action(...)` */
  private nameStatement = this.RULE('nameStatement', (): Stmt => {
    const target = this.SUBRULE(this.nameOrCall) as Expr | undefined;
    return this.OR<Stmt>([
      {
        ALT: () => {
          const eq = this.CONSUME(T.Assign);
          const value = this.SUBRULE(this.expression);
          const outcomes = this.SUBRULE(this.outcomeHandlers);
          return this.ACTION((): Stmt => {
            if (!target || !value) return undefined as unknown as Stmt; // recovered from a syntax error
            if (target.kind !== 'path') {
              this.extra.push({
                severity: 'error',
                loc: this.loc(eq),
                message: 'cannot assign to an action call',
                hint: 'write `name = action(...)`',
              });
            }
            const parts = target.kind === 'path' ? target.parts : [];
            return { kind: 'assign', target: parts, value, outcomes, loc: target.loc };
          });
        },
      },
      {
        ALT: () => {
          const outcomes = this.SUBRULE2(this.outcomeHandlers);
          return this.ACTION((): Stmt => {
            if (!target) return undefined as unknown as Stmt;
            if (target.kind !== 'call') {
              this.remarks.push({
                severity: 'error',
                loc: target.loc,
                message: `'${target.kind === 'path' ? target.parts.map((p) => p.text).join('.') : ''}' alone does nothing`,
                hint: 'call an action with `name(...)`, or assign with `name = value`',
              });
              return { kind: 'log', message: '', loc: target.loc };
            }
            return { kind: 'call', call: target, outcomes, loc: target.loc };
          });
        },
      },
    ]);
  });

  // ------------------------------------------------------------- expressions
  public expression = this.RULE('expression', (): Expr => {
    let left = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      const right = this.SUBRULE2(this.andExpr);
      left = { kind: 'binary', op: 'or', left, right, loc: left?.loc };
    });
    return left;
  });

  private andExpr = this.RULE('andExpr', (): Expr => {
    let left = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      const right = this.SUBRULE2(this.notExpr);
      left = { kind: 'binary', op: 'and', left, right, loc: left?.loc };
    });
    return left;
  });

  private notExpr = this.RULE('notExpr', (): Expr => {
    return this.OR<Expr>([
      {
        ALT: () => {
          const kw = this.CONSUME(T.Not);
          const operand = this.SUBRULE(this.notExpr);
          return { kind: 'not', operand, loc: this.loc(kw) };
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  private comparison = this.RULE('comparison', (): Expr => {
    const left = this.SUBRULE(this.primary);
    let result = left;
    this.OPTION(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(T.EqEq) },
        { ALT: () => this.CONSUME(T.NotEq) },
        { ALT: () => this.CONSUME(T.LessEq) },
        { ALT: () => this.CONSUME(T.GreaterEq) },
        { ALT: () => this.CONSUME(T.Less) },
        { ALT: () => this.CONSUME(T.Greater) },
      ]);
      const right = this.SUBRULE2(this.primary);
      result = { kind: 'binary', op: op.image as '==', left, right, loc: left?.loc };
    });
    return result;
  });

  private primary = this.RULE('primary', (): Expr => {
    return this.OR<Expr>([
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberLiteral);
          return { kind: 'number', value: Number(t.image), loc: this.loc(t) };
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLiteral);
          return { kind: 'string', value: unquote(t.image), loc: this.loc(t) };
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.PhonePrefix);
          return { kind: 'string', value: t.image, loc: this.loc(t) };
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.DurationLiteral);
          return { kind: 'duration', ms: durationMs(t.image), loc: this.loc(t) };
        },
      },
      { ALT: () => ({ kind: 'bool', value: true, loc: this.loc(this.CONSUME(T.Yes)) }) },
      { ALT: () => ({ kind: 'bool', value: false, loc: this.loc(this.CONSUME(T.No)) }) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const e = this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
          return e;
        },
      },
      { ALT: () => this.SUBRULE(this.nameOrCall) },
    ]);
  });

  private nameOrCall = this.RULE('nameOrCall', (): Expr => {
    const first = this.CONSUME(T.Identifier);
    return this.OR<Expr>({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.callAhead(),
          ALT: () => {
            const words: IToken[] = [first];
            this.MANY(() => words.push(this.CONSUME(T.Word)));
            const args = this.SUBRULE(this.argList);
            return this.ACTION((): CallExpr => {
              const last = words[words.length - 1]!;
              const loc = this.loc(first);
              loc.length = (last.endOffset ?? 0) - first.startOffset + 1;
              return { kind: 'call', action: { text: words.map((w) => w.image).join(' '), loc }, args, loc };
            });
          },
        },
        {
          ALT: () => {
            const parts: Name[] = [this.name(first)];
            this.MANY2(() => {
              this.CONSUME(T.Dot);
              parts.push(this.name(this.CONSUME2(T.Word)));
            });
            return { kind: 'path', parts, loc: this.loc(first) };
          },
        },
      ],
    });
  });

  private argList = this.RULE('argList', (): Arg[] => {
    const args: Arg[] = [];
    this.CONSUME(T.LParen);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const first = this.LA(1);
        let name: Name | undefined;
        this.OPTION({
          GATE: () => tokenMatcher(this.LA(2), T.Colon),
          DEF: () => {
            name = this.name(this.CONSUME(T.Word));
            this.CONSUME(T.Colon);
          },
        });
        const value = this.SUBRULE(this.expression);
        this.ACTION(() => value && args.push({ name, value, loc: this.loc(first) }));
      },
    });
    this.CONSUME(T.RParen);
    return args;
  });
}

let shared: IvrParser | undefined;

/** Builds the parser with all of Chevrotain's grammar checks; throws on a grammar mistake. */
export function checkGrammar(): void {
  new IvrParser(true);
}

export interface ParseResult {
  file: IvrFile;
  diagnostics: Diagnostic[];
}

function exceptionDiagnostic(file: string, e: IRecognitionException): Diagnostic {
  const token = e.token;
  const atEnd = token.tokenType === undefined || Number.isNaN(token.startOffset) || token.image === '';
  // At the end of the input Chevrotain points at an EOF token with no position: point
  // at the last real token instead.
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  const at = atEnd && prev && !Number.isNaN(prev.startOffset) ? prev : token;
  const loc = locOf(file, at);
  let hint: string | undefined;
  if (atEnd) hint = 'check that every { has its }';
  if (/expected a key/.test(e.message)) hint = 'keys are 0-9, * (or star) and hash; # starts a comment';
  return { severity: 'error', loc, message: e.message, hint };
}

/**
 * After a syntax error the parser resynchronises, and what it reads in between can
 * look like more errors. Keep the first syntax error of each line, and drop the
 * parser's own remarks close behind a syntax error.
 */
function quieten(syntax: Diagnostic[], remarks: Diagnostic[]): Diagnostic[] {
  const byLine = new Map<number, Diagnostic>();
  for (const d of syntax.sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col)) {
    if (!byLine.has(d.loc.line)) byLine.set(d.loc.line, d);
  }
  const errorLines = [...byLine.keys()];
  const kept = remarks.filter((r) => !errorLines.some((l) => r.loc.line >= l && r.loc.line <= l + 2));
  return [...byLine.values(), ...kept];
}

export function parse(path: string, text: string): ParseResult {
  const lexed = T.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const err of lexed.errors) {
    diagnostics.push({
      severity: 'error',
      loc: { file: path, line: err.line ?? 0, col: err.column ?? 0, length: Math.max(1, err.length) },
      message: `unexpected character '${text.substr(err.offset, err.length).slice(0, 10)}'`,
      hint: undefined,
    });
  }
  const tokens: IToken[] = [];
  const byLine = new Map<number, IToken>();
  for (const t of lexed.tokens) {
    if (t.tokenType === T.UnterminatedString) {
      diagnostics.push({
        severity: 'error',
        loc: locOf(path, t),
        message: 'text without its closing "',
        hint: 'a "text" must end on the same line',
      });
      continue;
    }
    tokens.push(t);
    byLine.set(t.startLine ?? 0, t);
  }
  // `press # -> x`: the # began a comment. Say so instead of a confusing syntax error.
  const comments = (lexed.groups as Record<string, IToken[] | undefined>).comments ?? [];
  for (const c of comments) {
    const before = byLine.get(c.startLine ?? 0);
    if (before && before.startOffset < c.startOffset && /^(press|end|on|or)$/.test(before.image)) {
      diagnostics.push({
        severity: 'error',
        loc: locOf(path, c),
        message: `'#' starts a comment here, so '${before.image}' has no key`,
        hint: 'write the # key as `hash` (and * as `*` or `star`)',
      });
    }
  }
  shared ??= new IvrParser();
  const parser = shared;
  parser.file = path;
  parser.extra = [];
  parser.remarks = [];
  parser.input = tokens;
  const file = parser.fileRule() ?? {
    path,
    imports: [],
    languages: [],
    officeHours: [],
    profiles: [],
    flows: [],
  };
  file.path = path;
  const syntax = [...diagnostics, ...parser.errors.map((e) => exceptionDiagnostic(path, e))];
  return { file, diagnostics: [...quieten(syntax, parser.remarks), ...parser.extra] };
}
