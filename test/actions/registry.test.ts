// The registry and the table of builtins agree: every action the language knows has one
// implementation, and there is none the language does not know. Its types follow the table:
// the `@ts-expect-error` lines below stop compiling (and so fail the type check) the day a
// misspelt outcome, a wrong argument or an unknown action would be accepted.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionModules,
  defineAction,
  done,
  outcome,
  recordTypeNames,
  value,
} from '../../src/actions/index.js';
import { actions, recordTypes } from '../../src/graph/index.js';
import { YamlDirectory } from '../../src/directory/index.js';
import { actionCaller, testActions } from './support.js';

/** The registry over the example users, a spool that takes everything and a media root of its own. */
const exampleRegistry = () =>
  testActions({
    directory: new YamlDirectory({ file: 'examples/users.yaml' }),
    spool: { enqueue: async () => undefined },
    media: mkdtempSync(join(tmpdir(), 'voicebox-registry-')),
  });

describe('the actions', () => {
  it('implement every builtin once, and nothing else', () => {
    const implemented = actionModules.map((a) => a.name);
    expect(new Set(implemented).size).toBe(implemented.length);
    expect([...implemented].sort()).toEqual(Object.keys(actions).sort());
  });

  it('one registry is built with all of them', () => {
    const registry = exampleRegistry();
    expect([...registry.keys()].sort()).toEqual(Object.keys(actions).sort());
  });

  it('refuse an argument of another type than the signature says, before doing anything', async () => {
    const { run } = actionCaller(exampleRegistry(), '+4930555123', { language: 'de', now: () => new Date() });
    await expect(run('lookup user', 501)).rejects.toThrow(
      "'lookup user': the argument number is not a phone",
    );
    await expect(run('active profile', 'alice')).rejects.toThrow(
      "'active profile': the argument user is not a user",
    );
    await expect(run('lookup user')).rejects.toThrow("'lookup user' takes 1 arguments, it was given 0");
  });

  it('take a text the flow has no value for as the empty text, as the flows expect', async () => {
    const { run } = actionCaller(exampleRegistry(), '+4930555123', { language: 'de', now: () => new Date() });
    // a caller who sent no number: `lookup user` of nothing finds no one, it does not fail
    await expect(run('lookup user', null)).resolves.toEqual({ outcome: 'unknown' });
  });

  it('take and give records exactly where the signature names a record type', () => {
    const used = Object.values(actions).flatMap((a) => [...a.params.map((p) => p.type), a.result]);
    for (const type of new Set(used.map((t) => t.replace(/^list<(.*)>$/, '$1'))))
      expect([type, (recordTypeNames as readonly string[]).includes(type)]).toEqual([
        type,
        type in recordTypes,
      ]);
  });
});

// ---- checked by the compiler (npx tsc): each of these must be an error

defineAction('check pin', async () =>
  // @ts-expect-error 'wrnog' is not an outcome of check pin
  outcome('wrnog'),
);

defineAction('check pin', async (_kit, [user, pin]) => {
  // @ts-expect-error the PIN is digits: a string, not a number
  const n: number = pin;
  void user;
  void n;
  return done;
});

// @ts-expect-error there is no action 'check pni'
defineAction('check pni', async () => done);

defineAction('pin expires soon', async () =>
  // @ts-expect-error pin expires soon gives a bool, not a string
  value('soon'),
);

defineAction('save name', async () =>
  // @ts-expect-error save name has no outcomes at all
  outcome('none'),
);
