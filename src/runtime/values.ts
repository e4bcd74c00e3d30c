// Values a call works with, and evaluating the graph's expressions over them.
import type { GraphExpr } from '../graph/index.js';

/** Audio the runtime can play: where FreeSWITCH finds it (and, if known, where voicebox does). */
export interface Audio {
  readonly kind: 'audio';
  readonly freeswitchPath: string;
  readonly localPath?: string;
  /** a caller's recording: its id, which the message made from it is spooled under */
  readonly id?: string;
  /** length, when known */
  readonly ms?: number;
}

export type Value =
  string | number | boolean | Date | Audio | Value[] | { readonly [field: string]: Value } | null;

export function isAudio(v: unknown): v is Audio {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'audio';
}

/** A read of something the flow never set on the way the call took. */
export class UnsetVariableError extends Error {
  constructor(readonly variable: string) {
    super(`'${variable}' has no value here: it is set on another path of the flow`);
    this.name = 'UnsetVariableError';
  }
}

export interface Scope {
  get(name: string): Value | undefined;
}

/** Pure evaluation; action calls inside expressions go through `callAction`. */
export async function evaluate(
  e: GraphExpr,
  scope: Scope,
  callAction: (action: string, args: Value[]) => Promise<Value>,
): Promise<Value> {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'var': {
      const v = scope.get(e.name);
      if (v === undefined) throw new UnsetVariableError(e.name);
      return v;
    }
    case 'field': {
      const of = await evaluate(e.of, scope, callAction);
      if (Array.isArray(of)) {
        if (e.field === 'count') return of.length;
        if (e.field === 'empty') return of.length === 0;
      }
      if (of !== null && typeof of === 'object' && !(of instanceof Date) && !Array.isArray(of)) {
        const v = (of as Record<string, Value>)[e.field];
        return v === undefined ? null : v;
      }
      return null;
    }
    case 'call': {
      const args: Value[] = [];
      for (const a of e.args) args.push(await evaluate(a, scope, callAction));
      return callAction(e.action, args);
    }
    case 'not':
      return !truthy(await evaluate(e.operand, scope, callAction));
    case 'binary': {
      if (e.op === 'and')
        return (
          truthy(await evaluate(e.left, scope, callAction)) &&
          truthy(await evaluate(e.right, scope, callAction))
        );
      if (e.op === 'or')
        return (
          truthy(await evaluate(e.left, scope, callAction)) ||
          truthy(await evaluate(e.right, scope, callAction))
        );
      const left = await evaluate(e.left, scope, callAction);
      const right = await evaluate(e.right, scope, callAction);
      return compare(e.op, left, right);
    }
  }
}

export function truthy(v: Value): boolean {
  return v === true;
}

function scalar(v: Value): string | number | boolean | null {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return null;
}

function compare(op: string, a: Value, b: Value): boolean {
  const x = scalar(a);
  const y = scalar(b);
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x !== null && y !== null && x < y;
    case '<=':
      return x !== null && y !== null && x <= y;
    case '>':
      return x !== null && y !== null && x > y;
    case '>=':
      return x !== null && y !== null && x >= y;
    default:
      return false;
  }
}
