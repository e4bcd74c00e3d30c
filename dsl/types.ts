// The language's value types: naming, assignability, fields.
import { enumTypes, recordTypes, type Field, type TypeName } from '../src/graph/index.js';

export const UNKNOWN = '?';

export function listOf(type: TypeName): TypeName {
  return `list<${type}>`;
}

export function elementOf(type: TypeName): TypeName | undefined {
  const m = /^list<(.+)>$/.exec(type);
  return m ? m[1] : undefined;
}

export function isEnum(type: TypeName): boolean {
  return type in enumTypes;
}

/** can a value of type `from` be used where `to` is expected? */
export function assignable(from: TypeName, to: TypeName): boolean {
  if (from === UNKNOWN || to === UNKNOWN || from === to) return true;
  if (from === 'digits' && (to === 'phone' || to === 'string')) return true;
  if (from === 'phone' && to === 'string') return true;
  return false;
}

export function comparable(a: TypeName, b: TypeName): boolean {
  return assignable(a, b) || assignable(b, a);
}

export function ordered(type: TypeName): boolean {
  return type === 'number' || type === 'duration' || type === 'datetime' || type === UNKNOWN;
}

export function fieldsOf(type: TypeName): Record<string, Field> | undefined {
  if (elementOf(type) !== undefined) return recordTypes.list;
  return recordTypes[type];
}

/** how a type reads in a message */
export function describeType(type: TypeName): string {
  switch (type) {
    case 'bool':
      return 'yes/no';
    case UNKNOWN:
      return 'unknown';
    default:
      return type;
  }
}

/** a type with its article, as a message reads it: "a number", "an audio", "yes/no" */
export function article(type: string): string {
  if (type === 'yes/no') return 'yes/no';
  return /^[aeio]|^u(?!s)/.test(type) ? `an ${type}` : `a ${type}`;
}
