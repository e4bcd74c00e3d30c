// The compiled IVR graph: the contract between the language (dsl/) and the runtime.
// Plain, JSON-serialisable data; every node says where in the DSL it came from.

export interface SourceLoc {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
  /** characters to underline in diagnostics */
  length: number;
}

/**
 * Value types of the language, written as the integrator reads them:
 * `bool`, `number`, `string`, `digits` (keys the caller typed), `phone`, `duration`,
 * `datetime`, `audio`, an enum name (`profile`, `language`, ...), a record name
 * (`user`, `message`, ...) or `list<T>`.
 */
export type TypeName = string;

export type GraphExpr =
  | { kind: 'literal'; type: TypeName; value: string | number | boolean }
  | { kind: 'var'; name: string; type: TypeName }
  | { kind: 'field'; of: GraphExpr; field: string; type: TypeName }
  | { kind: 'call'; action: string; args: GraphExpr[]; type: TypeName }
  | { kind: 'not'; operand: GraphExpr; type: 'bool' }
  | { kind: 'binary'; op: string; left: GraphExpr; right: GraphExpr; type: TypeName };

export type SayPart =
  | { kind: 'prompt'; id: string; args: Record<string, GraphExpr> }
  /**
   * `language`: said with that language's voice (`say text part in m.language`); '' or none: the
   * call's. A `text` value that is a list is said item by item, one playback each.
   */
  | { kind: 'value'; as: string; value: GraphExpr; language?: GraphExpr };

/**
 * What a menu says: prompts and values, and `keys` — the labels of the keys enabled when the
 * menu is entered, in the order the menu lists them, each with `{key}` filled with the key's name.
 */
export type MenuSayPart = SayPart | { kind: 'keys' };

/** A prompt of a menu, played only when its condition (if any) holds. */
export interface MenuPrompt {
  when?: GraphExpr;
  say?: MenuSayPart[];
  play?: GraphExpr;
  beep?: true;
}

export type NodeId = string;

interface NodeBase {
  id: NodeId;
  loc: SourceLoc;
}

export type GraphNode =
  | (NodeBase & { kind: 'say'; parts: SayPart[]; next: NodeId })
  | (NodeBase & { kind: 'play'; audio: GraphExpr; next: NodeId })
  | (NodeBase & { kind: 'beep'; next: NodeId })
  | (NodeBase & { kind: 'wait'; ms: number; next: NodeId })
  | (NodeBase & { kind: 'log'; message: string; next: NodeId })
  | (NodeBase & { kind: 'assign'; variable: string; value: GraphExpr; next: NodeId })
  | (NodeBase & {
      kind: 'action';
      action: string;
      args: GraphExpr[];
      /** variable that receives the result, if any */
      result?: string;
      outcomes: Record<string, NodeId>;
      next: NodeId;
    })
  | (NodeBase & { kind: 'branch'; condition: GraphExpr; then: NodeId; else: NodeId })
  | (NodeBase & {
      kind: 'menu';
      name: string;
      timeoutMs: number;
      tries: number;
      bargeIn: boolean;
      prompts: MenuPrompt[];
      retryPrompts: MenuPrompt[];
      /**
       * Said before the prompts when the walk comes to the menu where it is written: the node
       * before it sets the variable `flag` (a name no menu can write), which the menu clears.
       * A jump, a key or `retry` that brings the menu back finds it unset. Every enabled key cuts
       * in on it; a `stop` key ends it and the menu starts again without it.
       */
      intro?: { prompts: MenuPrompt[]; stop: string[]; flag: string };
      input?: { variable: string; min: number; max: number; terminators: string[]; next: NodeId };
      /** `label`: the prompt that announces the key (its text holds `{key}`) */
      options: Array<{ key: string; label?: string; when?: GraphExpr; next: NodeId }>;
      invalid: NodeId;
      silence: NodeId;
      giveUp: NodeId;
    })
  | (NodeBase & {
      kind: 'record';
      variable: string;
      /** milliseconds, or a duration read when the call records (`config.max_message`) */
      maxMs: number | GraphExpr;
      silenceMs: number;
      terminators: string[];
      outcomes: Record<string, NodeId>;
      next: NodeId;
    })
  | (NodeBase & {
      kind: 'transfer';
      mode: 'transfer' | 'connect';
      to: GraphExpr;
      outcomes: Record<string, NodeId>;
      next: NodeId;
    })
  | (NodeBase & {
      kind: 'loop';
      variable: string;
      /** holds the 1-based position of the current item (`say message_number(number: index)`) */
      index: string;
      list: GraphExpr;
      body: NodeId;
      next: NodeId;
    })
  /** `next`, `previous`, `repeat` or `stop` inside a `for each`: moves the loop `loop`. */
  | (NodeBase & { kind: 'loopControl'; loop: NodeId; move: 'next' | 'previous' | 'repeat' | 'stop' })
  /**
   * `back`: the menu before this one; `top`: the flow's first menu; `repeat`: this menu
   * again from a fresh start; `retry`: this menu again as a further try (after the last
   * try the menu gives up). `menu` names the menu when it is known at compile time.
   */
  | (NodeBase & { kind: 'jump'; to: 'back' | 'top' | 'repeat' | 'retry'; menu?: NodeId })
  | (NodeBase & { kind: 'hangup' });

export type NodeKind = GraphNode['kind'];

export interface FlowGraph {
  name: string;
  entry: NodeId;
  /** the first menu of the flow, where `top` goes */
  top?: NodeId;
  nodes: Record<NodeId, GraphNode>;
}

export interface LanguageRules {
  default: string;
  byCallerPrefix: Array<{ prefix: string; language: string }>;
  otherwise: string;
  offered: string[];
}

export interface WorkDay {
  /** 1 = Monday … 7 = Sunday (ISO) */
  day: number;
  hours: Array<{ from: string; to: string }>;
  breaks: Array<{ from: string; to: string }>;
}

export interface OfficeHours {
  timeZone: string;
  days: WorkDay[];
  /** `MM-DD` every year, or `YYYY-MM-DD` once */
  closed: string[];
}

export interface ProfileRules {
  available: string[];
  default: string;
  internal?: string;
  offHours?: string;
  breaks?: string;
}

export interface VariableInfo {
  type: TypeName;
}

export interface Bundle {
  format: 'voicebox-ivr-bundle';
  version: 1;
  files: string[];
  languages: LanguageRules;
  /** null: no office hours declared, so no profile switches by time */
  officeHours: OfficeHours | null;
  profiles: ProfileRules;
  variables: Record<string, VariableInfo>;
  prompts: string[];
  flows: Record<string, FlowGraph>;
}
