// The syntax tree of one .ivr file, as the parser builds it. Every node carries its
// source location so that the checker and the runtime can point at the line.
import type { SourceLoc } from '../src/graph/index.js';

export type { SourceLoc };

export interface Name {
  text: string;
  loc: SourceLoc;
}

export interface IvrFile {
  path: string;
  imports: ImportDecl[];
  languages: LanguagesDecl[];
  officeHours: OfficeHoursDecl[];
  profiles: ProfilesDecl[];
  flows: FlowDecl[];
}

export interface ImportDecl {
  path: string;
  loc: SourceLoc;
}

export type LanguageItem =
  | { kind: 'default'; language: Name; loc: SourceLoc }
  | { kind: 'byCaller'; prefixes: Name[]; language: Name; loc: SourceLoc }
  | { kind: 'otherwise'; language: Name; loc: SourceLoc }
  | { kind: 'offer'; languages: Name[]; loc: SourceLoc };

export interface LanguagesDecl {
  loc: SourceLoc;
  items: LanguageItem[];
}

export interface TimeRange {
  from: Name;
  to: Name;
  loc: SourceLoc;
}

export interface DayRange {
  from: Name;
  to?: Name;
  loc: SourceLoc;
}

export interface WorkDayRule {
  days: DayRange[];
  hours: TimeRange[];
  breaks: TimeRange[];
  loc: SourceLoc;
}

export interface OfficeHoursDecl {
  loc: SourceLoc;
  timeZone?: Name;
  days: WorkDayRule[];
  closed: Name[];
}

export type ProfileItem =
  | { kind: 'available'; profiles: Name[]; loc: SourceLoc }
  | { kind: 'default'; profile: Name; loc: SourceLoc }
  | { kind: 'internal'; profile: Name; loc: SourceLoc }
  | { kind: 'offHours'; profile: Name; loc: SourceLoc }
  | { kind: 'breaks'; profile: Name; loc: SourceLoc };

export interface ProfilesDecl {
  loc: SourceLoc;
  items: ProfileItem[];
}

export interface FlowDecl {
  name: Name;
  loc: SourceLoc;
  /** Statements before the first menu or step: where the flow starts. */
  body: Stmt[];
  blocks: Array<MenuDecl | StepDecl>;
}

export interface StepDecl {
  kind: 'step';
  name: Name;
  loc: SourceLoc;
  body: Stmt[];
}

export type SpecialTarget = 'back' | 'top' | 'repeat' | 'retry' | 'next' | 'previous' | 'stop' | 'hangup';

export type Target =
  { kind: 'name'; flow?: Name; name: Name; loc: SourceLoc } | { kind: SpecialTarget; loc: SourceLoc };

export type Handler =
  { kind: 'goto'; target: Target; loc: SourceLoc } | { kind: 'block'; body: Stmt[]; loc: SourceLoc };

export interface MenuOption {
  key: Name;
  /** the prompt that announces this key (`press 3 label call_back ...`), said by `say keys` */
  label?: Name;
  when?: Expr;
  handler: Handler;
  loc: SourceLoc;
}

export interface MenuInput {
  variable: Name;
  min: number;
  max: number;
  terminators: Name[];
  handler: Handler;
  loc: SourceLoc;
}

export interface MenuDecl {
  kind: 'menu';
  name: Name;
  loc: SourceLoc;
  timeout?: { ms: number; loc: SourceLoc };
  tries?: { count: number; loc: SourceLoc };
  bargeIn?: { on: boolean; loc: SourceLoc };
  prompts: Stmt[];
  retryPrompts?: Stmt[];
  /**
   * `intro [stop on KEY] { ... }`: said before the prompts when the walk comes to the menu where
   * it is written — not when a jump, a key or `retry` brings it back; every key cuts in on it,
   * and a `stop on` key ends it and goes on with the prompts
   */
  intro?: { prompts: Stmt[]; stop: Name[]; loc: SourceLoc };
  input?: MenuInput;
  options: MenuOption[];
  invalid?: Handler;
  silence?: Handler;
  giveUp?: Handler;
}

export type SayAs = 'number' | 'digits' | 'phone' | 'date' | 'time' | 'duration' | 'text';

export interface Arg {
  name?: Name;
  value: Expr;
  loc: SourceLoc;
}

export type SayItem =
  | { kind: 'prompt'; id: Name; args: Arg[]; loc: SourceLoc }
  /** `say keys`: the labels of the menu's keys enabled now */
  | { kind: 'keys'; loc: SourceLoc }
  /** `language`: `say text part in m.language`, said with that language's voice */
  | { kind: 'value'; as: SayAs; value: Expr; language?: Expr; loc: SourceLoc };

export interface OutcomeHandler {
  outcome: Name;
  handler: Handler;
  loc: SourceLoc;
}

export type Stmt =
  | { kind: 'say'; items: SayItem[]; loc: SourceLoc }
  | { kind: 'play'; audio: Expr; loc: SourceLoc }
  | { kind: 'beep'; loc: SourceLoc }
  | { kind: 'wait'; ms: number; loc: SourceLoc }
  | { kind: 'goto'; target: Target; loc: SourceLoc }
  | { kind: 'if'; condition: Expr; then: Stmt[]; else?: Stmt[]; loc: SourceLoc }
  | { kind: 'forEach'; variable: Name; list: Expr; body: Stmt[]; loc: SourceLoc }
  | { kind: 'menu'; menu: MenuDecl; loc: SourceLoc }
  | {
      kind: 'record';
      variable: Name;
      /** the longest recording: a duration */
      max?: Expr;
      silenceMs?: number;
      terminators: Name[];
      outcomes: OutcomeHandler[];
      loc: SourceLoc;
    }
  | { kind: 'transfer'; mode: 'transfer' | 'connect'; to: Expr; outcomes: OutcomeHandler[]; loc: SourceLoc }
  | { kind: 'assign'; target: Name[]; value: Expr; outcomes: OutcomeHandler[]; loc: SourceLoc }
  | { kind: 'call'; call: CallExpr; outcomes: OutcomeHandler[]; loc: SourceLoc }
  | { kind: 'log'; message: string; loc: SourceLoc };

export interface CallExpr {
  kind: 'call';
  action: Name;
  args: Arg[];
  loc: SourceLoc;
}

export type BinaryOp = 'and' | 'or' | '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'number'; value: number; loc: SourceLoc }
  | { kind: 'string'; value: string; loc: SourceLoc }
  | { kind: 'bool'; value: boolean; loc: SourceLoc }
  | { kind: 'duration'; ms: number; loc: SourceLoc }
  | { kind: 'path'; parts: Name[]; loc: SourceLoc }
  | CallExpr
  | { kind: 'not'; operand: Expr; loc: SourceLoc }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; loc: SourceLoc };
