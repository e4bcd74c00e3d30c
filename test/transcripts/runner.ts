// One scenario's call, run as `voicebox call` runs one: the shipped menus and prompts, the
// embedded default config with the scenario's few settings over it, the actions built from
// that config (a users file, Maildir mailboxes, the spool), voicebox answering on a free port
// and the FreeSWITCH simulator calling it — on a fixed clock. The voice renders nothing: it
// plays each text as named silence, so the caller's script knows the prompts by id, and the
// transcript holds the exact text espeak-ng would have been handed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { formatDiagnostic, loadMenus } from '../../dsl/index.js';
import { buildServices } from '../../src/cli/services.js';
import { readConfig, type ConfigTree } from '../../src/config/index.js';
import type { Bundle, GraphExpr, SayPart } from '../../src/graph/index.js';
import { speechVoice, VoiceboxServer, type CallEvent, type Voice } from '../../src/runtime/index.js';
import {
  ScriptedCaller,
  Simulator,
  type CallerAction,
  type DestinationOutcome,
} from '../../src/sim/index.js';
import { createRenderer, loadCatalogs, type MediaRoot, type PromptCatalog } from '../../src/speech/index.js';
import { silentLogger } from '../support/log.js';
import { namedSilence } from '../support/voice.js';
import {
  fillMaildir,
  IXI_DOMAIN,
  SIGNING_KEY,
  speechWav,
  usersYaml,
  type MailFixture,
  type Owner,
} from './fixtures.js';
import { transcriptOf, type Heard, type NumberSaid, type Transcript } from './format.js';

export const MENUS = 'menus';
export const TRANSCRIPTS = 'menus/transcripts';
export const TIME_ZONE = 'Europe/Berlin';

/** A rule's match that asks a function (the simulator calls `test` with each file that starts). */
class FileCue extends RegExp {
  constructor(private readonly hit: (file: string) => boolean) {
    super('(?:)');
  }

  override test(file: string): boolean {
    return this.hit(file);
  }
}

/** Longer than voicebox ever thinks between two applications; the clock never moves in real time. */
const THINKING_MS = 600_000;

/** What a menu plays while it waits for keys, once its prompts are over (src/runtime/session.ts). */
const MENU_WAIT = 'silence_stream://250';

/**
 * A scenario's caller: at each menu she waits until it has said all it says, then acts — the
 * menus by name (`inquiry.ivr`'s `menu options`), so a prompt renamed or reworded changes the
 * transcript, not the script. Each step acts at the first wait of its menu after the step
 * before it acted; recordings she talks into for 3 s, then presses #.
 */
export class Caller {
  private readonly steps: Array<{ menu: string; then: CallerAction }> = [];
  private readonly rules: Array<(c: ScriptedCaller) => ScriptedCaller> = [];
  private recordings = 0;

  /** Keys once the menu `menu` has said its prompts. */
  at(menu: string, keys: string): this {
    this.steps.push({ menu, then: { dtmf: keys } });
    return this;
  }

  /** She hangs up once the menu `menu` has said its prompts. */
  hangsUpAt(menu: string): this {
    this.steps.push({ menu, then: { hangup: 'NORMAL_CLEARING' } });
    return this;
  }

  /** She speaks into the next recording for 3 s (the beep's half second not counted), then presses #. */
  talks(): this {
    const n = ++this.recordings;
    this.rules.push((c) => c.on({ playing: nthTone(n), afterMs: 3500 }, { dtmf: '#' }));
    return this;
  }

  /**
   * She follows the first `steps` steps only, and hangs up where the next one would act: check
   * (b) ends a flipped call once it has passed the menus the flip governs.
   */
  cutAfter(steps: number): this {
    const next = this.steps[steps];
    this.steps.splice(steps);
    if (next) this.steps.push({ menu: next.menu, then: { hangup: 'NORMAL_CLEARING' } });
    return this;
  }

  /** What the line she asks to be connected to does: `user/+49301234199` busy, … */
  destination(target: string, outcome: DestinationOutcome): this {
    this.rules.push((c) => c.destination(target, outcome));
    return this;
  }

  /**
   * The simulator's caller, following `menuNow` (the menu the call is in, from voicebox's
   * events); `unreached` names the steps the call never came to.
   */
  scripted(
    caller: ScriptedCaller,
    menuNow: () => string | undefined,
  ): { caller: ScriptedCaller; unreached: () => string[]; done: () => number } {
    let done = 0;
    // The simulator asks every rule not yet fired about each file that starts, in order: the
    // first rule never fires and counts the starts, so that one wait answers one step only —
    // two steps at the same menu are two of its waits, not two keys at once.
    let starts = 0;
    let lastActed = -1;
    let c = caller.on(
      {
        playing: new FileCue(() => {
          starts++;
          return false;
        }),
        afterMs: 0,
      },
      { dtmf: '' },
    );
    this.steps.forEach((step, i) => {
      const cue = new FileCue((file) => {
        if (done !== i || starts === lastActed || file !== MENU_WAIT || menuNow() !== step.menu) return false;
        done++;
        lastActed = starts;
        return true;
      });
      c = c.on({ playing: cue, afterMs: 0 }, step.then);
    });
    for (const rule of this.rules) c = rule(c);
    return {
      caller: c,
      unreached: () => this.steps.slice(done).map((s) => `${s.menu}: ${JSON.stringify(s.then)}`),
      done: () => done,
    };
  }
}

function nthTone(n: number): RegExp {
  let seen = 0;
  return new FileCue((file) => file.startsWith('tone_stream:') && ++seen === n);
}

export type Script = (caller: Caller) => Caller;

/** A greeting recorded before the call: `<profile>.<language>`, `name`, or `company[.<language>]`. */
export type Recorded = string;

/** One call of a scenario, in one language. */
export interface ScenarioCall {
  /** whose mailbox is called (the header names her) */
  readonly owner: Owner;
  /** the number dialled (default: her extension) */
  readonly dialed?: string;
  /** the caller's number */
  readonly from: string;
  /** the clock, e.g. `2027-03-03T21:32:00+01:00` */
  readonly at: string;
  /** her mails (src/mailbox reads them from her Maildir) */
  readonly mails?: readonly MailFixture[];
  /** greetings recorded before: `work.de`, `name`, `company.en`, … (3 s each) */
  readonly recorded?: readonly Recorded[];
  /** user data added to each owner's (`profile.home.messages=N`) */
  readonly settings?: (o: Owner) => readonly string[];
  /** config over the scenarios' site (voicebox.yaml's sections) */
  readonly config?: ConfigTree;
  readonly script: Script;
}

export interface Scenario {
  /** the file name: `<name>.<language>.txt` */
  readonly name: string;
  /** one line for the header */
  readonly about: string;
  /** one call per shipped language */
  readonly calls: Readonly<Record<string, ScenarioCall>>;
}

/** The scenarios' site: the embedded defaults, a signing key, the old ixi-UMS gateway trusted. */
const SITE: ConfigTree = {
  mail: { signingKey: SIGNING_KEY },
  mailbox: { trustedSenderDomains: [IXI_DOMAIN] },
};

export function merge(base: ConfigTree, over: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && b && typeof v === 'object' && typeof b === 'object' && !Array.isArray(v) && !Array.isArray(b)
        ? merge(b as ConfigTree, v as ConfigTree)
        : v;
  }
  return out;
}

/** The menus and catalogs, compiled once for every call of a run. */
export interface Shipped {
  readonly bundle: Bundle;
  readonly catalogs: ReadonlyMap<string, PromptCatalog>;
  /** `prompt.arg` said as a number, from the menus */
  readonly numberArgs: ReadonlySet<string>;
  readonly languages: readonly string[];
  /** the menus' errors: `voicebox call` would refuse them (the menus' own tests fail on them) */
  readonly errors: readonly string[];
}

function numberArgsOf(bundle: Bundle): Set<string> {
  const found = new Set<string>();
  // a menu's prompts may hold more than a say's (key labels): only prompts with arguments count
  const add = (parts: ReadonlyArray<SayPart | { readonly kind: string }> | undefined): void => {
    for (const p of parts ?? []) {
      if (p.kind !== 'prompt' || !('args' in p)) continue;
      for (const [name, expr] of Object.entries(p.args) as Array<[string, GraphExpr]>)
        if (expr.type === 'number') found.add(`${p.id}.${name}`);
    }
  };
  for (const flow of Object.values(bundle.flows)) {
    for (const node of Object.values(flow.nodes)) {
      if (node.kind === 'say') add(node.parts);
      if (node.kind === 'menu') for (const p of [...node.prompts, ...node.retryPrompts]) add(p.say);
    }
  }
  return found;
}

/** The menus of `dir` (default: the shipped ones) and their catalogs in `dir/prompts`. */
export async function loadShipped(dir = MENUS): Promise<Shipped> {
  const loaded = loadMenus([dir]);
  const errors = loaded.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => formatDiagnostic(d, { sources: loaded.sources }));
  const catalogs = await loadCatalogs(join(dir, 'prompts'));
  return {
    bundle: loaded.bundle,
    catalogs,
    numberArgs: numberArgsOf(loaded.bundle),
    languages: [...catalogs.keys()].sort(),
    errors,
  };
}

/**
 * The catalogs' words as the runtime's own voice (`speechVoice`, src/runtime/voice.ts) words
 * them, rendered as named silence: `render` gets the text espeak-ng would get, and plays it
 * under the prompt ids the runtime said it with (`vb:enter_pin`), so the caller's script can
 * wait for a prompt by id. The `number` values filled in are kept for the checks.
 */
class TranscriptVoice {
  /** the prompt ids a text was said as, from the prompt event just before its render */
  private readonly idsOf = new Map<string, string>();
  private numbers: NumberSaid[] = [];
  readonly voice: Voice;

  constructor(shipped: Shipped, media: MediaRoot) {
    // espeak-ng is never started: only the words are taken from the real voice
    const words = speechVoice(shipped.catalogs, createRenderer({ mediaRoot: media }));
    this.voice = {
      promptText: (id, language, values, count) => {
        for (const [name, v] of Object.entries(values))
          if (shipped.numberArgs.has(`${id}.${name}`)) this.numbers.push({ prompt: id, name, words: v });
        return words.promptText(id, language, values, count);
      },
      render: async (text) => ({ freeswitchPath: namedSilence(this.idsOf.get(text) ?? 'vb:words') }),
    };
  }

  /** The prompt event with the numbers said in it; remembers its ids for the render. */
  heard(e: CallEvent): Heard {
    if (e.kind !== 'prompt') return e;
    // the language part is for the eye only: a script waits for the id
    this.idsOf.set(e.text, e.prompts.map((p) => `vb:${p.startsWith('(') ? 'value' : p}`).join(' '));
    const numbers = this.numbers;
    this.numbers = [];
    return { ...e, numbers };
  }
}

const stamp = (at: string): string => {
  const d = new Date(at);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
};

/** A call that did not go as its script says: the steps it never came to, and what was said. */
export class ScriptNotFollowed extends Error {
  constructor(
    readonly transcript: Transcript,
    readonly unreached: readonly string[],
    heard: readonly Heard[],
  ) {
    const menus = heard.flatMap((e) => (e.kind === 'listen' ? [e.menu] : []));
    super(
      `the call never came to these steps: ${unreached.join(', ')} (menus reached: ${menus.join(', ') || 'none'})`,
    );
    this.name = 'ScriptNotFollowed';
  }
}

export interface RunOptions {
  /** config over the scenario's own (check (b) flips it in the scenario's call instead) */
  readonly config?: ConfigTree;
}

/** Runs one scenario's call in `language` and returns its transcript. */
export async function runScenario(
  shipped: Shipped,
  scenario: Scenario,
  language: string,
  options: RunOptions = {},
): Promise<Transcript> {
  const call = scenario.calls[language];
  if (!call) throw new Error(`the scenario '${scenario.name}' has no call in '${language}'`);
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-transcript-'));
  try {
    writeFileSync(join(dir, 'users.yaml'), usersYaml(call.settings));
    const configTree = merge(merge(SITE, call.config ?? {}), options.config ?? {});
    writeFileSync(join(dir, 'voicebox.yaml'), dump(configTree));
    const config = readConfig(join(dir, 'voicebox.yaml'));
    const media = { local: config.media.local, freeswitch: config.media.local };
    mkdirSync(media.local, { recursive: true });
    const audio = speechWav(join(dir, 'fixtures', 'message.wav'), 4);
    await fillMaildir(resolve(config.mail.maildir), call.owner, call.mails ?? [], audio);
    const digits = call.owner.mailbox.replace(/\D/g, '');
    for (const r of call.recorded ?? []) {
      const file = r.startsWith('company') ? `${r}.wav` : join(digits, `${r}.wav`);
      speechWav(join(media.local, 'greetings', file), 3);
    }

    const now = new Date(call.at);
    const clock = (): Date => new Date(now);
    const { bundle } = shipped;
    // as `voicebox call` builds them, on the scenario's clock
    const services = await buildServices(config, bundle, media, silentLogger, { clock });
    const voice = new TranscriptVoice(shipped, media);
    /** the menu the call is in (one call at a time on this server) */
    let menuNow: string | undefined;
    /** the caller's steps done so far (known once the call has started) */
    let stepsDone = (): number => 0;
    const events = new Map<string, Heard[]>();
    const server = new VoiceboxServer({
      bundle,
      voice: voice.voice,
      actions: services.actions,
      classifyCaller: services.classifyCaller,
      recordings: services.recordings,
      config: config.menu,
      dialString: config.transfer.dialString,
      mediaRoot: media,
      log: silentLogger,
      port: 0,
      now: clock,
      onCall: (uuid) => {
        const list: Heard[] = [];
        events.set(uuid, list);
        return (e) => {
          if (e.kind === 'listen') {
            menuNow = e.menu;
            list.push({ ...e, stepsDone: stepsDone() });
          } else list.push(voice.heard(e));
        };
      },
    });
    const { host, port } = await server.listen();
    // The clock moves only while FreeSWITCH plays, records or waits for keys — never because
    // voicebox took long to think (a PIN check on a busy machine): a key the script has in hand
    // then waits for voicebox instead of landing wherever the call is after a real-time pause.
    const sim = new Simulator({ missingFiles: 'not-found', idleAdvanceMs: THINKING_MS });
    try {
      const { caller, unreached, done } = call
        .script(new Caller())
        .scripted(
          new ScriptedCaller({ number: call.from, name: '', dialed: call.dialed ?? call.owner.extension }),
          () => menuNow,
        );
      stepsDone = done;
      const report = await sim.runCall(caller, { target: `${host}:${port}` });
      const heard = events.get(report.uuid) ?? [];
      const header = [
        `# ${scenario.name}.${language}: ${call.owner.name} (${call.dialed ?? call.owner.extension}, ${call.owner.language}) from ${call.from}, ${stamp(call.at)} ${TIME_ZONE}`,
        `# ${scenario.about}`,
      ];
      const transcript = transcriptOf(`${TRANSCRIPTS}/${scenario.name}.${language}.txt`, header, heard);
      const left = unreached();
      if (left.length > 0) throw new ScriptNotFollowed(transcript, left, heard);
      return transcript;
    } finally {
      await server.close();
      await sim.close();
      // what the call left in the spool is sent before the next call starts
      await services.spool.flush();
      await services.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
