// An action as a typed module: its arguments, its value and its outcomes follow from its
// line in src/graph/builtins.ts, so an implementation that reads a wrong argument or ends
// with an outcome its signature does not name does not compile.
import {
  actions,
  type ActionName,
  type OutcomeOf,
  type ParamTypesOf,
  type ResultTypeOf,
} from '../graph/index.js';
import type { ActionContext, ActionResult } from '../runtime/index.js';
import { isAudio, type Audio, type Value } from '../runtime/index.js';
import type { ActionKit } from './ports.js';

/** A record the menus see (`user`, `message`, ...): fields by name; what stands behind it stays with the actions. */
export type ValueRecord = { readonly [field: string]: Value };

/** The language's record types; every other name that is not a scalar is an enum, a string. */
export const recordTypeNames = [
  'call',
  'config',
  'user',
  'profile_settings',
  'login',
  'summary',
  'message',
] as const;
type RecordTypeName = (typeof recordTypeNames)[number];

/** The runtime value of a language type: `phone` → string, `list<message>` → ValueRecord[], ... */
export type ValueOfType<T extends string> = T extends `list<${infer E}>`
  ? ValueOfType<E>[]
  : T extends 'number' | 'duration'
    ? number
    : T extends 'bool'
      ? boolean
      : T extends 'datetime'
        ? Date
        : T extends 'audio'
          ? Audio
          : T extends 'void'
            ? undefined
            : T extends RecordTypeName
              ? ValueRecord
              : string;

type ValuesOf<T extends readonly string[]> = { -readonly [I in keyof T]: ValueOfType<T[I]> };

/** An action's arguments, in order: `check pin` → `[user: ValueRecord, pin: string]` */
export type ArgsOf<K extends ActionName> = ValuesOf<ParamTypesOf<K>>;
/** What an action gives back on success: `lookup user` → ValueRecord, `save name` → undefined */
export type ResultOf<K extends ActionName> = ValueOfType<ResultTypeOf<K>>;
export type { OutcomeOf } from '../graph/index.js';

export interface Outcome<O extends string> {
  readonly outcome: O;
}
/** success of an action that gives nothing back */
export type Done = Record<string, never>;
/** what an implementation of `K` may end with: one of its outcomes, or its value */
export type Returns<K extends ActionName> =
  Outcome<OutcomeOf<K>> | (ResultTypeOf<K> extends 'void' ? Done : { readonly value: ResultOf<K> });

/** ends an action with a business outcome; the compiler checks it is one of the action's */
export const outcome = <const O extends string>(o: O): Outcome<O> => ({ outcome: o });
/** ends an action with its value */
export const value = <const V>(v: V): { readonly value: V } => ({ value: v });
/** ends an action that gives nothing back */
export const done: Done = Object.freeze({});

export type ActionBody<K extends ActionName> = (
  kit: ActionKit,
  args: ArgsOf<K>,
  ctx: ActionContext,
) => Promise<Returns<K>>;

/** An action as the registry holds it: its name, and the untyped call the runtime makes. */
export interface ActionModule {
  readonly name: ActionName;
  invoke(kit: ActionKit, args: Value[], ctx: ActionContext): Promise<ActionResult>;
}

function fits(type: string, v: Value | undefined): boolean {
  if (v === undefined) return false;
  if (type.startsWith('list<')) return Array.isArray(v);
  switch (type) {
    case 'number':
    case 'duration':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'datetime':
      return v instanceof Date;
    case 'audio':
      return isAudio(v);
    default:
      if ((recordTypeNames as readonly string[]).includes(type))
        return (
          v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !isAudio(v)
        );
      return typeof v === 'string';
  }
}

/**
 * A field the flow reads that has no value is `null` (a caller who sent no number, a message
 * without a sender): for a text parameter that is the empty text, as the flows expect (`lookup
 * user` of no number is `unknown`, `set transfer` to nothing is `invalid`), not a failure.
 */
function withEmptyText<K extends ActionName>(name: K, args: Value[]): Value[] {
  const params = actions[name].params;
  return args.map((v, i) => {
    const type = params[i]?.type;
    if (v !== null || type === undefined) return v;
    return fits(type, '') ? '' : v;
  });
}

/** The checker typed the flow; this holds the runtime to it, so a body can trust its argument types. */
function assertArgs<K extends ActionName>(name: K, args: Value[]): asserts args is Value[] & ArgsOf<K> {
  const params = actions[name].params;
  if (args.length !== params.length)
    throw new Error(`'${name}' takes ${params.length} arguments, it was given ${args.length}`);
  params.forEach((p, i) => {
    if (!fits(p.type, args[i])) throw new Error(`'${name}': the argument ${p.name} is not a ${p.type}`);
  });
}

/**
 * One action, written against its signature:
 * `defineAction('check pin', async (kit, [user, pin], ctx) => ... outcome('wrong') ...)`.
 */
export function defineAction<K extends ActionName>(name: K, body: ActionBody<K>): ActionModule {
  return {
    name,
    async invoke(kit, given, ctx) {
      const args = withEmptyText(name, given);
      assertArgs(name, args);
      const result: ActionResult = await body(kit, args, ctx);
      return result;
    },
  };
}
