// Check (b) runs the scenarios again with one thing flipped that can hide a key: each switch of
// the config's `menu` section (src/graph/switches.ts) set to every other value, and the user
// data and dial policy that hide keys. A flip is run only in the scenarios that reach a menu it
// governs: one whose keys or prompts read what the flip changes, or that the walk comes to from
// a statement reading it without a menu between (`offer = settings.can_transfer and …`).
import type { ConfigTree } from '../../src/config/index.js';
import { edgesOf, enumTypes, menuSwitches, type Bundle, type GraphNode } from '../../src/graph/index.js';
import { usersYaml, type Owner } from './fixtures.js';
import { merge, TRANSCRIPTS, type Scenario, type ScenarioCall, type Script } from './runner.js';
import type { Transcript, Wait } from './format.js';

export interface Flip {
  /** what is changed, as an admin would write it: `menu.allow_reply: false`, `access=settings` */
  readonly name: string;
  /** what the menus read that it changes: `config.allow_reply`, `settings.can_transfer` */
  readonly reads: readonly string[];
  /** the call with it flipped; undefined when it changes nothing for this call */
  readonly flip: (call: ScenarioCall) => ScenarioCall | undefined;
}

type Menu = GraphNode & { kind: 'menu' };

/** `var.field` for every field of a variable anywhere in `x` (a node, an expression). */
function readsOf(x: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(x)) for (const y of x) readsOf(y, into);
  else if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    const of = o.of as { kind?: unknown; name?: unknown } | undefined;
    if (o.kind === 'field' && of?.kind === 'var' && typeof o.field === 'string')
      into.add(`${String(of.name)}.${o.field}`);
    for (const v of Object.values(o)) readsOf(v, into);
  }
  return into;
}

/** the variables a node sets: `offer = …`, an action's result, a loop's item and index */
function assigned(n: GraphNode): string[] {
  switch (n.kind) {
    case 'assign':
    case 'record':
      return [n.variable];
    case 'action':
      return n.result ? [n.result] : [];
    case 'loop':
      return [n.variable, n.index];
    default:
      return [];
  }
}

/** the variables a node reads, by name and as `var.field` */
function variablesRead(x: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(x)) for (const y of x) variablesRead(y, into);
  else if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o.kind === 'var' && typeof o.name === 'string') into.add(o.name);
    for (const v of Object.values(o)) variablesRead(v, into);
  }
  return readsOf(x, into);
}

/** The menus the walk from `from` comes to before any other menu, and the variables it sets on the way. */
function walk(
  nodes: ReadonlyMap<string, GraphNode>,
  from: readonly string[],
): { menus: Menu[]; set: Set<string> } {
  const set = new Set<string>();
  const menus: Menu[] = [];
  const seen = new Set<string>();
  const todo = [...from];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = nodes.get(id);
    if (!n) continue;
    if (n.kind === 'menu') {
      menus.push(n);
      continue;
    }
    for (const v of assigned(n)) set.add(v);
    todo.push(...edgesOf(n).map((e) => e.to));
  }
  return { menus, set };
}

/**
 * The menus (node ids) a flip reading `reads` governs — a menu reads one itself; or the walk
 * comes to it from another node reading one, before any other menu, and
 * - that node is a branch and only one of its ways comes to the menu, or
 * - the menu reads a variable set on that walk (`offer = settings.can_transfer and …`, then
 *   `if offer` in the greeting), or the walk sets `call.language` (all its words change).
 * What is said before a menu starts is not what check (b) looks at, so a walk that only says
 * something else on the way (`message_format` before a message) governs no menu after it.
 */
export function governedMenus(bundle: Bundle, reads: readonly string[]): Set<string> {
  // node ids: a menu's name is unique in its flow only (`inquiry.main`, `settings.main`)
  const nodes = new Map<string, GraphNode>();
  for (const flow of Object.values(bundle.flows))
    for (const node of Object.values(flow.nodes)) nodes.set(node.id, node);
  const wanted = new Set(reads);
  const reading = (n: GraphNode): boolean => [...readsOf(n)].some((r) => wanted.has(r));
  const governed = new Set<string>();
  for (const start of nodes.values()) {
    if (!reading(start)) continue;
    if (start.kind === 'menu') {
      governed.add(start.id);
      continue;
    }
    const { menus, set } = walk(
      nodes,
      edgesOf(start).map((e) => e.to),
    );
    for (const v of assigned(start)) set.add(v);
    for (const menu of menus) {
      const read = variablesRead(menu);
      if (set.has('call.language') || [...set].some((v) => read.has(v))) governed.add(menu.id);
    }
    if (start.kind === 'branch') {
      const yes = new Set(walk(nodes, [start.then]).menus.map((m) => m.id));
      const no = new Set(walk(nodes, [start.else]).menus.map((m) => m.id));
      for (const m of yes) if (!no.has(m)) governed.add(m);
      for (const m of no) if (!yes.has(m)) governed.add(m);
    }
  }
  return governed;
}

/**
 * The menus a wait can be of: those of its name that could act on all the keys it acts on (the
 * runtime names a menu, not its flow: `main` is the main menu's or the settings').
 */
export function menusOf(bundle: Bundle, wait: Pick<Wait, 'menu' | 'keys'>): string[] {
  const ids: string[] = [];
  for (const flow of Object.values(bundle.flows))
    for (const n of Object.values(flow.nodes)) {
      if (n.kind !== 'menu' || n.name !== wait.menu) continue;
      const can = new Set(n.options.map((o) => o.key));
      if (n.input) for (const k of ['0123456789', ...n.input.terminators].join('')) can.add(k);
      if (wait.keys.every((k) => can.has(k))) ids.push(n.id);
    }
  return ids;
}

const withConfig = (call: ScenarioCall, over: ConfigTree): ScenarioCall => ({
  ...call,
  config: merge(call.config ?? {}, over),
});

/** The call with the owner's user data changed by `change` (undefined: nothing changed). */
function withSettings(
  call: ScenarioCall,
  change: (settings: readonly string[], o: Owner) => readonly string[],
): ScenarioCall | undefined {
  const before = call.settings ?? (() => []);
  const owner = (o: Owner): boolean => o.key === call.owner.key;
  const after = (o: Owner): readonly string[] => (owner(o) ? change(before(o), o) : before(o));
  const same = (o: Owner): boolean => JSON.stringify(before(o)) === JSON.stringify(after(o));
  return same(call.owner) ? undefined : { ...call, settings: after };
}

/** Each `menu` switch set to each value but the one the call has (durations hide no key). */
function switchFlips(): Flip[] {
  const flips: Flip[] = [];
  for (const [name, sw] of Object.entries(menuSwitches)) {
    const type: string = sw.type;
    const members = type === 'bool' ? [true, false] : enumTypes[type]?.members;
    if (!Array.isArray(members)) continue;
    for (const value of members as ReadonlyArray<string | boolean>) {
      flips.push({
        name: `menu.${name}: ${String(value)}`,
        reads: [`config.${name}`],
        flip: (call) => {
          const menu = call.config?.menu;
          const now = menu && typeof menu === 'object' && !Array.isArray(menu) ? menu[name] : undefined;
          if ((now ?? sw.default) === value) return undefined;
          return withConfig(call, { menu: { [name]: value } });
        },
      });
    }
  }
  return flips;
}

/** What hides keys besides the switches: the owner's data, and where voicebox may dial. */
function dataFlips(bundle: Bundle): Flip[] {
  return [
    {
      name: 'messages off in every profile',
      reads: ['settings.messages_allowed'],
      flip: (call) =>
        withSettings(call, (s) => [...s, ...bundle.profiles.available.map((p) => `profile.${p}.messages=N`)]),
    },
    {
      name: 'no transfer target',
      reads: ['settings.can_transfer', 'settings.transfer_to'],
      flip: (call) => withSettings(call, (s) => s.filter((x) => !/^profile\.[^.]+\.transferTo=/.test(x))),
    },
    {
      name: 'access=settings',
      reads: ['access.access'],
      flip: (call) =>
        withSettings(call, (s) => [...s.filter((x) => !x.startsWith('access=')), 'access=settings']),
    },
    {
      name: 'dial policy refusing every number',
      reads: ['m.can_call_back'],
      flip: (call) => withConfig(call, { dialPolicy: { allow: [], allowPrefixes: [] } }),
    },
  ];
}

/** Every flip of check (b). */
export function flipsOf(bundle: Bundle): Flip[] {
  return [...switchFlips(), ...dataFlips(bundle)];
}

/** A scenario's call in one language with one thing flipped. */
export interface FlippedRun {
  readonly flip: Flip;
  readonly scenario: Scenario;
  readonly language: string;
}

/**
 * The runs of check (b): each flip in every scenario whose run as it is (`reached`: the scenarios'
 * transcripts) waited at a menu the flip governs, in `language`; a flip that changes nothing for
 * a call is not run. A flipped call ends where its script acts after the last such wait: the
 * caller hangs up there (an owner's login is not checked again for a flip of the greeting).
 * Of calls alike up to there — the same data but their mails (what mails change before that
 * shows in the words), the same words and keys up to the key answering that last wait — one is
 * run: six owners' calls all start with the same greeting and `*`.
 */
export function flippedRuns(
  bundle: Bundle,
  flips: readonly Flip[],
  scenarios: readonly Scenario[],
  reached: readonly Transcript[],
  language: string,
): FlippedRun[] {
  const byFile = new Map(reached.map((t) => [t.file, t]));
  const runs: FlippedRun[] = [];
  for (const flip of flips) {
    const governed = governedMenus(bundle, flip.reads);
    const alike = new Set<string>();
    for (const scenario of scenarios) {
      const call = scenario.calls[language];
      const before = byFile.get(`${TRANSCRIPTS}/${scenario.name}.${language}.txt`);
      const last = before?.waits.filter((w) => menusOf(bundle, w).some((id) => governed.has(id))).at(-1);
      if (!call || !before || !last) continue;
      const flipped = flip.flip(call);
      if (!flipped) continue;
      const answered = before.lines.findIndex((l, i) => i >= last.line - 1 && l.startsWith('caller:'));
      const { script: _script, mails: _mails, settings: _settings, ...data } = flipped;
      const key = JSON.stringify([
        data,
        usersYaml(flipped.settings),
        before.lines.slice(2, answered < 0 ? undefined : answered + 1),
      ]);
      if (alike.has(key)) continue;
      alike.add(key);
      const steps = last.stepsDone;
      const script: Script =
        steps === undefined ? flipped.script : (c) => flipped.script(c).cutAfter(steps + 1);
      runs.push({ flip, scenario: { ...scenario, calls: { [language]: { ...flipped, script } } }, language });
    }
  }
  return runs;
}
