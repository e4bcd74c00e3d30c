// One CallSession per call: walks the compiled IVR graph, asks FreeSWITCH to play,
// collect digits, record and bridge, and calls the business actions. A hang-up ends
// every wait at once; an error anywhere ends this call politely and no other.
import { chmod, mkdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  Bundle,
  FlowGraph,
  GraphExpr,
  GraphNode,
  MenuPrompt,
  MenuSayPart,
  NodeId,
  SayPart,
  SourceLoc,
} from '../graph/index.js';
import { summaryWording } from '../graph/index.js';
import {
  isLanguage,
  sayDateTime,
  sayDuration,
  sayNumber,
  sayPhoneNumber,
  saySummary,
  sayText,
  sayTime,
  wordingFor,
  toFreeSwitchPath,
  type Language,
  type MediaRoot,
} from '../speech/index.js';
import {
  isCallHungUp,
  type ActionRegistry,
  type ActionResult,
  type CallEvent,
  type CallInfo,
  type CallMedia,
  type CallRecording,
  type CallRecordings,
  type RuntimeLogger,
  type Voice,
} from './ports.js';
import { evaluate, isAudio, truthy, UnsetVariableError, type Audio, type Value } from './values.js';
import { recordingFileName, settledWavAudioMs } from './recording.js';

/**
 * FreeSWITCH writes the callers' voices here and voicebox reads them: its group and ours,
 * nobody else, whatever the umask (a setgid bit from the media folder is kept).
 */
async function recordingsFolder(dir: string): Promise<void> {
  if ((await mkdir(dir, { recursive: true, mode: 0o770 })) === undefined) return;
  const current = (await stat(dir)).mode;
  if ((current & 0o777) === 0o770) return;
  // a chmod naming the setgid bit is refused under systemd's RestrictSUIDSGID; FreeSWITCH's
  // files carry its own group anyway, so the group's write bit is what matters here
  await chmod(dir, 0o770 | (current & 0o2000)).catch(() => chmod(dir, 0o770));
}

export interface SessionOptions {
  readonly bundle: Bundle;
  /** the flow the call starts in */
  readonly flow: string;
  readonly media: CallMedia;
  readonly voice: Voice;
  readonly actions: ActionRegistry;
  /** the admin's switches the menus read as `config.*` */
  readonly config: Readonly<Record<string, Value>>;
  readonly mediaRoot: MediaRoot;
  readonly log: RuntimeLogger;
  /** how a phone number becomes a FreeSWITCH dial string; `{number}` is replaced */
  readonly dialString?: string;
  /** internal or external caller (default: a short number without + is an extension) */
  readonly classifyCaller?: (number: string) => 'internal' | 'external';
  readonly now?: () => Date;
  readonly onEvent?: (event: CallEvent) => void;
  /** told the call's recordings when it is over (without it they stay where FreeSWITCH wrote them) */
  readonly recordings?: CallRecordings;
}

/** A business action the menus call that this server does not provide. */
export class ActionUnavailable extends Error {
  constructor(readonly action: string) {
    super(`the action '${action}' is not available in this server`);
    this.name = 'ActionUnavailable';
  }
}

/** FreeSWITCH could not play or record a file: its answer, for the operator. */
export class MediaFailure extends Error {
  constructor(
    what: string,
    readonly file: string,
    /** FreeSWITCH's answer: the application's response or the cause it hung up with */
    readonly answer: string,
  ) {
    super(`${what}: ${file}: ${answer}`);
    this.name = 'MediaFailure';
  }
}

/** What FreeSWITCH's playback answers when it played nothing (mod_dptools playback_function). */
const PLAYBACK_FAILED = new Set(['FILE NOT FOUND', 'PLAYBACK ERROR']);

/** The cause FreeSWITCH hangs up with when `record` cannot write its file (mod_dptools record_function). */
const RECORD_FAILED_CAUSE = 'DESTINATION_OUT_OF_ORDER';

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The caller hung up: the walk ends (after what may still run without her). */
class CallerGone extends Error {
  constructor(readonly hangupCause: string) {
    super('the caller hung up');
  }
}

const STEP_LIMIT = 100_000;

/**
 * Which steps need the caller: after a hang-up the walk stops at the first of them, and goes on
 * through the others (a message recorded until the hang-up is still sent). Every node kind is
 * listed, so a new one does not compile until it says.
 */
const NEEDS_CALLER: Readonly<Record<GraphNode['kind'], boolean>> = {
  say: true,
  play: true,
  beep: true,
  wait: true,
  menu: true,
  record: true,
  transfer: true,
  hangup: true,
  jump: true,
  log: false,
  assign: false,
  action: false,
  branch: false,
  loop: false,
  loopControl: false,
};

/** a key enabled for this caller now, and the prompt that announces it */
interface EnabledLabel {
  readonly key: string;
  readonly label: string;
}

/** one text to render and play, in the language of its voice; a piece of a text stays alone */
interface Utterance {
  readonly ids: string[];
  readonly texts: string[];
  readonly language: string;
  readonly piece: boolean;
}

interface LoopFrame {
  readonly id: NodeId;
  readonly items: Value[];
  index: number;
}

function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** a caller's number or name is anyone's text: a log line carries it cut short */
function cut(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * What the call's log lines said that its last line repeats (the manual's "Normal" level, §4.10):
 * the mailbox found, the profile in force, the IMAP user, the errors met.
 */
interface CallSummary {
  mailbox?: string;
  login?: string;
  profile?: string;
  imapUser?: string;
  errors: string[];
}

const MAX_SUMMARY_ERRORS = 10;

/** the call's logger, noting for the summary what passes through it */
function summarising(log: RuntimeLogger, summary: CallSummary): RuntimeLogger {
  const note = (level: 'info' | 'warn' | 'error', obj: object, msg = ''): void => {
    const o = obj as Record<string, unknown>;
    if (msg === 'user found') {
      if (typeof o.mailbox === 'string') summary.mailbox = o.mailbox;
      if (typeof o.login === 'string') summary.login = o.login;
    }
    if (msg === 'active profile' && typeof o.profile === 'string') summary.profile = o.profile;
    if (typeof o.imapUser === 'string') summary.imapUser = o.imapUser;
    if (level !== 'info' && summary.errors.length < MAX_SUMMARY_ERRORS)
      summary.errors.push(cut(typeof o.err === 'string' ? `${msg}: ${o.err}` : msg, 160));
  };
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => {
      note('info', obj, msg);
      log.info(obj, msg);
    },
    warn: (obj, msg) => {
      note('warn', obj, msg);
      log.warn(obj, msg);
    },
    error: (obj, msg) => {
      note('error', obj, msg);
      log.error(obj, msg);
    },
    child: (bindings) => summarising(log.child(bindings), summary),
  };
}

export class CallSession {
  private readonly vars = new Map<string, Value>();
  private readonly nodes = new Map<NodeId, { node: GraphNode; flow: FlowGraph }>();
  private readonly loops: LoopFrame[] = [];
  private readonly menuHistory: NodeId[] = [];
  private menuTries = { id: '', count: 0 };
  private retrying = false;
  private hungUp = false;
  private hangupCause = '';
  private language: string;
  private recordings = 0;
  /** this call's recordings: told to `recordings` when the call is over */
  private readonly recorded: CallRecording[] = [];
  /** ids of recordings an action took and completed with: sent, spooled or saved */
  private readonly usedRecordings = new Set<string>();
  /** ids of recordings an action failed on (or declined): what the caller said reached no one */
  private readonly failedRecordings = new Set<string>();
  /** the call ended on an error, not by hang-up or the flow's end: no recording of it was dropped by choice */
  private failed = false;
  /** the node being run: where a media failure is reported */
  private current: GraphNode | undefined;
  private readonly endHooks: Array<() => Promise<void> | void> = [];
  private readonly log: RuntimeLogger;
  private readonly summary: CallSummary = { errors: [] };
  /** who ended the call, and whether it was handed on: the call's last log line */
  private endedBy: 'caller' | 'voicebox' | 'freeswitch' | undefined;
  private transferred = false;
  private readonly call: CallInfo;
  private readonly timeZone: string;

  constructor(private readonly o: SessionOptions) {
    for (const flow of Object.values(o.bundle.flows))
      for (const node of Object.values(flow.nodes)) this.nodes.set(node.id, { node, flow });
    const digitsOnly = o.media.callerNumber.replace(/[^0-9]/g, '');
    this.call = {
      id: o.media.uuid,
      caller: o.media.callerNumber,
      callerName: o.media.callerName,
      called: o.media.calledNumber,
      ...(o.media.redirectedFrom ? { redirectedFrom: o.media.redirectedFrom } : {}),
      callerClass: o.classifyCaller
        ? o.classifyCaller(o.media.callerNumber)
        : !o.media.callerNumber.startsWith('+') && digitsOnly.length > 0 && digitsOnly.length <= 6
          ? 'internal'
          : 'external',
      time: (o.now ?? (() => new Date()))(),
    };
    this.language = o.bundle.languages.default;
    this.timeZone = o.bundle.officeHours?.timeZone ?? 'UTC';
    this.log = summarising(o.log.child({ call: o.media.uuid }), this.summary);
    this.o = { ...o, media: this.reportingMedia(o.media) };
  }

  /** Every playback FreeSWITCH could not do is an error line: the menus' place, the file, its answer. */
  private reportingMedia(media: CallMedia): CallMedia {
    const playback: CallMedia['playback'] = async (file, options) => {
      const r = await media.playback(file, options);
      if (PLAYBACK_FAILED.has(r.response) && !media.hangupCause)
        this.mediaFailed('playback failed', file, r.response);
      return r;
    };
    return new Proxy(media, {
      get: (target, prop) => {
        if (prop === 'playback') return playback;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  private mediaFailed(what: string, file: string, answer: string): void {
    const at = this.current ? where(this.current.loc) : '';
    this.log.error({ at, file, freeswitch: answer }, what);
    this.emit({ kind: 'error', message: `${what}: ${file}: ${answer}`, at });
  }

  private emit(event: CallEvent): void {
    this.o.onEvent?.(event);
  }

  /** Runs the call to its end. Never throws. */
  async run(): Promise<void> {
    const flow = this.o.bundle.flows[this.o.flow];
    const startedAt = Date.now();
    this.log.info(
      { caller: cut(this.call.caller), called: cut(this.call.called), flow: this.o.flow },
      'call',
    );
    let at: GraphNode | undefined;
    try {
      if (!flow) throw new Error(`no flow '${this.o.flow}' in the menus`);
      await this.o.media.answer();
      let id: NodeId | null = flow.entry;
      let steps = 0;
      while (id !== null) {
        if (++steps > STEP_LIMIT)
          throw new Error(`more than ${STEP_LIMIT} steps: is a loop missing its end?`);
        const entry = this.nodes.get(id);
        if (!entry) throw new Error(`the menus have no node '${id}'`);
        at = entry.node;
        this.current = at;
        id = await this.step(entry.node, entry.flow);
      }
      if (!this.hungUp) await this.hangup('NORMAL_CLEARING');
    } catch (e) {
      const gone = e instanceof CallerGone || isCallHungUp(e);
      if (!gone) this.failed = true;
      if (!(e instanceof MediaFailure) && (gone || this.hungUp)) {
        const cause = gone ? e.hangupCause : (e as { hangupCause?: string }).hangupCause;
        this.log.info({ at: at && where(at.loc), cause: this.hangupCause || cause }, 'caller hung up');
        this.noteHangup(cause ?? this.hangupCause ?? 'NORMAL_CLEARING');
      } else {
        await this.apologise(e, at);
      }
    } finally {
      for (const cleanup of this.endHooks.splice(0)) {
        try {
          await cleanup();
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'cleanup after the call failed');
        }
      }
      if (this.o.recordings && this.recorded.length > 0) {
        const unsent = this.unsentRecordings();
        await this.o.recordings.callEnded(this.recorded.splice(0), unsent).catch((e: unknown) => {
          this.log.warn({ err: (e as Error).message }, "the call's recordings could not be cleared");
        });
      }
      this.logCallEnded(Date.now() - startedAt);
    }
  }

  /** one line per call (the manual's "Normal" log level): who called whom, what was found, how it ended */
  private logCallEnded(ms: number): void {
    const s = this.summary;
    const ended = this.failed
      ? 'error'
      : this.transferred
        ? 'transferred'
        : this.endedBy === 'caller'
          ? 'caller hung up'
          : this.endedBy === 'freeswitch'
            ? 'freeswitch hung up'
            : 'completed';
    this.log.info(
      {
        called: cut(this.call.called),
        caller: cut(this.call.caller),
        ...(this.call.callerName ? { callerName: cut(this.call.callerName) } : {}),
        ...(this.call.redirectedFrom ? { redirectedFrom: cut(this.call.redirectedFrom) } : {}),
        flow: this.o.flow,
        ...(s.mailbox !== undefined ? { mailbox: s.mailbox } : {}),
        ...(s.login !== undefined ? { login: s.login } : {}),
        ...(s.profile !== undefined ? { profile: s.profile } : {}),
        ...(s.imapUser !== undefined ? { imapUser: s.imapUser } : {}),
        ms,
        ended,
        cause: this.hangupCause || 'NORMAL_CLEARING',
        ...(s.errors.length > 0 ? { errors: [...s.errors] } : {}),
      },
      'call ended',
    );
  }

  private noteHangup(cause: string, by: 'caller' | 'freeswitch' = 'caller'): void {
    if (this.hangupCause) return;
    this.hangupCause = cause || 'NORMAL_CLEARING';
    this.hungUp = true;
    this.endedBy = by;
    this.emit({ kind: 'hangup', cause: this.hangupCause, by });
  }

  private async hangup(cause: string): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    this.hangupCause = cause;
    this.endedBy = 'voicebox';
    this.emit({ kind: 'hangup', cause, by: 'voicebox' });
    try {
      await this.o.media.hangup(cause);
    } catch (e) {
      if (!isCallHungUp(e)) this.log.warn({ err: (e as Error).message }, 'hangup failed');
    }
  }

  /** An error in the call: log where in the menus, say sorry, hang up. */
  private async apologise(e: unknown, at: GraphNode | undefined): Promise<void> {
    const message = e instanceof Error ? e.message : String(e);
    const loc = at ? where(at.loc) : '';
    const media = e instanceof MediaFailure ? { file: e.file, freeswitch: e.answer } : {};
    this.log.error(
      { at: loc, err: message, kind: e instanceof Error ? e.name : typeof e, ...media },
      'call failed',
    );
    this.emit({ kind: 'error', message, at: loc });
    if (!this.hungUp) {
      try {
        await this.sayApology();
      } catch (again) {
        if (!isCallHungUp(again))
          this.log.warn({ err: (again as Error).message }, 'the apology could not be played');
      }
      await this.hangup('NORMAL_TEMPORARY_FAILURE');
    }
  }

  /**
   * The apology is the audio rendered at start, never a render now: the failure may be the
   * renderer's own (a full disk), and a caller must not be kept in silence. Without that
   * audio the call is hung up at once.
   */
  private async sayApology(): Promise<void> {
    const id = 'technical_problem';
    if (!this.o.voice.ready) {
      await this.sayParts([{ kind: 'prompt', id, args: {} }], '');
      return;
    }
    const audio = this.o.voice.ready(id, this.language);
    if (!audio) {
      this.log.warn({ prompt: id, language: this.language }, 'no rendered apology: hanging up without it');
      return;
    }
    this.emit({ kind: 'prompt', prompts: [id], text: this.o.voice.promptText(id, this.language, {}) });
    await this.o.media.playback(audio.freeswitchPath, { terminators: 'none' });
  }

  // ------------------------------------------------------------ the walk
  private scope = {
    get: (name: string): Value | undefined => {
      if (name === 'call') return this.callRecord();
      if (name === 'config') return this.o.config as Value;
      return this.vars.get(name);
    },
  };

  private callRecord(): Value {
    return {
      caller: this.call.caller,
      caller_name: this.call.callerName,
      called: this.call.called,
      caller_class: this.call.callerClass,
      language: this.language,
      time: this.call.time,
      id: this.call.id,
    };
  }

  private value(e: GraphExpr): Promise<Value> {
    return evaluate(e, this.scope, (action, args) => this.pureAction(action, args));
  }

  private async pureAction(action: string, args: Value[]): Promise<Value> {
    const result = await this.invoke(action, args);
    if ('outcome' in result)
      throw new Error(`'${action}' ended with '${result.outcome}' inside an expression`);
    return result.value ?? null;
  }

  private async invoke(action: string, args: Value[]) {
    const impl = this.o.actions.get(action);
    if (!impl) throw new ActionUnavailable(action);
    const recordings = args.flatMap((a) => (isAudio(a) && a.id !== undefined ? [a.id] : []));
    let result: ActionResult;
    try {
      result = await impl(args, {
        call: this.call,
        language: this.language,
        log: this.log,
        onCallEnd: (cleanup) => this.endHooks.push(cleanup),
        note: (event) => this.emit(event),
      });
    } catch (e) {
      for (const r of recordings) this.failedRecordings.add(r);
      throw e;
    }
    for (const r of recordings) ('outcome' in result ? this.failedRecordings : this.usedRecordings).add(r);
    return result;
  }

  /**
   * The recordings that may be the only copy of a message: an action failed on them, or the call
   * failed while they were unused. Drafts the caller dropped (record again, cancel) are not.
   */
  private unsentRecordings(): Set<string> {
    return new Set(
      this.recorded
        .map((r) => r.id)
        .filter((id) => !this.usedRecordings.has(id) && (this.failed || this.failedRecordings.has(id))),
    );
  }

  private assign(variable: string, value: Value): void {
    if (variable === 'call.language') {
      if (typeof value === 'string') this.language = value;
      return;
    }
    this.vars.set(variable, value);
  }

  private async step(node: GraphNode, flow: FlowGraph): Promise<NodeId | null> {
    if (this.hungUp && NEEDS_CALLER[node.kind]) throw new CallerGone(this.hangupCause);
    switch (node.kind) {
      case 'say':
        await this.sayParts(node.parts, '');
        return node.next;
      case 'play':
        await this.playAudio(await this.value(node.audio), '');
        return node.next;
      case 'beep':
        this.emit({ kind: 'tone' });
        await this.o.media.playback('tone_stream://%(500,0,800)', { terminators: 'none' });
        return node.next;
      case 'wait':
        await this.o.media.playback(`silence_stream://${Math.round(node.ms)}`, { terminators: 'none' });
        return node.next;
      case 'log':
        this.log.info({ at: where(node.loc) }, node.message);
        return node.next;
      case 'assign':
        this.assign(node.variable, await this.value(node.value));
        return node.next;
      case 'action': {
        const args: Value[] = [];
        for (const a of node.args) args.push(await this.value(a));
        const result = await this.invoke(node.action, args);
        if ('outcome' in result) {
          const target = node.outcomes[result.outcome];
          if (!target)
            throw new Error(`'${node.action}' ended with '${result.outcome}', which the menus do not handle`);
          this.log.debug(
            { at: where(node.loc), action: node.action, outcome: result.outcome },
            'action outcome',
          );
          return target;
        }
        if (node.result) this.assign(node.result, result.value ?? null);
        return node.next;
      }
      case 'branch':
        return truthy(await this.value(node.condition)) ? node.then : node.else;
      case 'menu':
        return this.menu(node);
      case 'record':
        return this.record(node);
      case 'transfer':
        return this.transfer(node);
      case 'loop': {
        const list = await this.value(node.list);
        const items = Array.isArray(list) ? list : [];
        for (let i = this.loops.length - 1; i >= 0; i--)
          if (this.loops[i]!.id === node.id) this.loops.splice(i, 1);
        if (items.length === 0) return node.next;
        this.loops.push({ id: node.id, items, index: 0 });
        this.enterItem(node, 0, items);
        return node.body;
      }
      case 'loopControl':
        return this.moveLoop(node.loop, node.move);
      case 'jump':
        return this.jump(node, flow);
      case 'hangup':
        await this.hangup('NORMAL_CLEARING');
        return null;
    }
  }

  private enterItem(loop: GraphNode & { kind: 'loop' }, index: number, items: Value[]): void {
    this.vars.set(loop.variable, items[index]!);
    this.vars.set(loop.index, index + 1);
  }

  private moveLoop(loopId: NodeId, move: 'next' | 'previous' | 'repeat' | 'stop'): NodeId | null {
    const loop = this.nodes.get(loopId)?.node;
    if (!loop || loop.kind !== 'loop') return null;
    const at = this.loops.map((l) => l.id).lastIndexOf(loopId);
    const frame = this.loops[at];
    if (!frame) return loop.next; // jumped out and back in: the loop is over
    if (move === 'stop') {
      this.loops.splice(at);
      return loop.next;
    }
    if (move === 'next') frame.index++;
    if (move === 'previous') frame.index = Math.max(0, frame.index - 1);
    if (frame.index >= frame.items.length) {
      this.loops.splice(at);
      return loop.next;
    }
    this.enterItem(loop, frame.index, frame.items);
    return loop.body;
  }

  private jump(node: GraphNode & { kind: 'jump' }, flow: FlowGraph): NodeId | null {
    switch (node.to) {
      case 'top':
        return flow.top ?? flow.entry;
      case 'back': {
        // the menu before the current one
        this.menuHistory.pop();
        const previous = this.menuHistory.pop();
        return previous ?? flow.top ?? flow.entry;
      }
      case 'repeat':
        this.menuTries = { id: '', count: 0 };
        return node.menu ?? this.menuHistory[this.menuHistory.length - 1] ?? flow.entry;
      case 'retry':
        this.retrying = true;
        return node.menu ?? this.menuHistory[this.menuHistory.length - 1] ?? flow.entry;
    }
  }

  // ------------------------------------------------------------ media
  /**
   * Says `parts`: what is in one language is one text (one playback); a text in a language of its
   * own (`say text part in m.language`) is rendered with that language's voice, and a text in
   * pieces is said piece by piece. A terminator ends them all.
   */
  private async sayParts(parts: SayPart[], terminators: string): Promise<string | undefined> {
    for (const u of await this.utterances(parts)) {
      const text = u.texts.join(' ');
      this.emit({
        kind: 'prompt',
        prompts: u.ids,
        text,
        ...(u.language !== this.language ? { language: u.language } : {}),
      });
      const audio = await this.o.voice.render(text, u.language);
      const result = await this.o.media.playback(audio.freeswitchPath, {
        terminators: terminators || 'none',
      });
      if (result.terminator) return result.terminator;
    }
    return undefined;
  }

  /** the texts `parts` make, each with the language of its voice (see {@link sayParts}) */
  private async utterances(parts: SayPart[]): Promise<Utterance[]> {
    const callLang: Language = isLanguage(this.language) ? this.language : 'en';
    const out: Utterance[] = [];
    const add = (id: string, text: string, language: string, piece: boolean) => {
      const last = out[out.length - 1];
      if (last && !piece && !last.piece && last.language === language) {
        last.ids.push(id);
        last.texts.push(text);
      } else out.push({ ids: [id], texts: [text], language, piece });
    };
    for (const part of parts) {
      if (part.kind === 'prompt') {
        const values: Record<string, string> = {};
        let count: number | undefined;
        for (const [name, expr] of Object.entries(part.args)) {
          const v = await this.value(expr);
          values[name] = this.spoken(v, expr.type, callLang);
          // a counted prompt ("ein neues Fax", "zwei neue Faxe") picks its form by the number
          if (name === 'count' && typeof v === 'number') count = v;
        }
        add(part.id, this.o.voice.promptText(part.id, this.language, values, count), this.language, false);
        continue;
      }
      // a text in its own language ('' or one voicebox has no voice for: the call's)
      const said = part.language ? await this.value(part.language) : '';
      const language = typeof said === 'string' && isLanguage(said) ? said : this.language;
      const lang: Language = isLanguage(language) ? language : callLang;
      const v = await this.value(part.value);
      if (part.as === 'text' && Array.isArray(v)) {
        for (const piece of v)
          if (typeof piece === 'string') add(`(${part.as})`, sayText(piece, lang), language, true);
      } else add(`(${part.as})`, this.spokenAs(v, part.as, lang), language, false);
    }
    return out;
  }

  private async playAudio(v: Value, terminators: string): Promise<string | undefined> {
    if (!isAudio(v)) throw new Error('play got something that is not audio');
    this.emit({ kind: 'audio', file: v.freeswitchPath });
    const result = await this.o.media.playback(v.freeswitchPath, { terminators: terminators || 'none' });
    return result.terminator;
  }

  /** the call's clock: "today" and "yesterday" are measured from it, not from the machine's */
  private now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }

  /** a value as words, by its type */
  private spoken(v: Value, type: string, lang: Language): string {
    switch (type) {
      case 'number':
        return typeof v === 'number' ? sayNumber(v, lang) : String(v);
      case 'phone':
        return typeof v === 'string' ? sayPhoneNumber(v, lang) : '';
      case 'digits':
        return typeof v === 'string' ? [...v].join(' ') : '';
      case 'datetime':
        return v instanceof Date ? sayDateTime(v, lang, this.timeZone, { now: this.now() }) : '';
      case 'duration':
        return typeof v === 'number' ? sayDuration(Math.round(v / 1000), lang) : '';
      case 'profile':
        return typeof v === 'string' ? this.o.voice.promptText(`profile_${v}`, this.language, {}) : '';
      case 'language':
        return typeof v === 'string' ? this.o.voice.promptText(`language_${v}`, this.language, {}) : '';
      case 'message_kind':
        return typeof v === 'string' ? this.o.voice.promptText(`message_kind_${v}`, this.language, {}) : '';
      case 'summary':
        return this.spokenSummary(v, lang);
      case 'string':
        return typeof v === 'string' ? sayText(v, lang) : '';
      default:
        // a list is its items as the language joins them: "Deutsch und Englisch"
        if (type.startsWith('list<') && Array.isArray(v)) {
          const item = type.slice('list<'.length, -1);
          return wordingFor(lang).list(v.map((x) => this.spoken(x, item, lang)));
        }
        return v === null || typeof v === 'object' ? '' : String(v);
    }
  }

  /** "zwei neue Sprachnachrichten, eine neue E-Mail und drei gehörte Sprachnachrichten" */
  private spokenSummary(v: Value, lang: Language): string {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return '';
    const record = v as Readonly<Record<string, Value>>;
    const items = summaryWording.counts.map(({ field, prompt, isNew }) => {
      const count = record[field];
      return {
        count: typeof count === 'number' ? count : 0,
        isNew,
        say: (n: number) => this.o.voice.promptText(prompt, this.language, { count: sayNumber(n, lang) }, n),
      };
    });
    return saySummary(items, this.o.voice.promptText(summaryWording.nothingNew, this.language, {}), lang);
  }

  private spokenAs(v: Value, as: string, lang: Language): string {
    switch (as) {
      case 'number':
        return this.spoken(v, 'number', lang);
      case 'digits':
        return typeof v === 'string' ? [...v.replace(/[^0-9*#+]/g, '')].join(' ') : '';
      case 'phone':
        return this.spoken(v, 'phone', lang);
      case 'date':
        return this.spoken(v, 'datetime', lang);
      case 'time':
        return v instanceof Date ? sayTime(v, lang, this.timeZone) : '';
      case 'duration':
        return this.spoken(v, 'duration', lang);
      default:
        return typeof v === 'string' ? sayText(v, lang) : '';
    }
  }

  private async playPrompt(
    p: MenuPrompt,
    terminators: string,
    labels: readonly EnabledLabel[],
  ): Promise<string | undefined> {
    if (p.when && !truthy(await this.value(p.when))) return undefined;
    if (p.say) {
      const parts = this.withLabels(p.say, labels);
      return parts.length > 0 ? this.sayParts(parts, terminators) : undefined;
    }
    if (p.play) return this.playAudio(await this.value(p.play), terminators);
    this.emit({ kind: 'tone' });
    const r = await this.o.media.playback('tone_stream://%(500,0,800)', {
      terminators: terminators || 'none',
    });
    return r.terminator;
  }

  /**
   * `say keys` becomes the labels of the keys enabled now, each with `{key}` as the call's
   * language names the key — said in one text with the menu's other words, so every enabled key
   * cuts in on it.
   */
  private withLabels(parts: readonly MenuSayPart[], labels: readonly EnabledLabel[]): SayPart[] {
    const wording = wordingFor(isLanguage(this.language) ? this.language : 'en');
    return parts.flatMap((part): SayPart[] =>
      part.kind !== 'keys'
        ? [part]
        : labels.map((l) => ({
            kind: 'prompt',
            id: l.label,
            args: { key: { kind: 'literal', type: 'string', value: wording.keyName(l.key) } },
          })),
    );
  }

  private async menu(node: GraphNode & { kind: 'menu' }): Promise<NodeId> {
    // the walk came to the menu where it is written (not back to it): its intro first
    const introduced = node.intro !== undefined && this.vars.get(node.intro.flag) === true;
    if (node.intro) this.vars.delete(node.intro.flag);
    const again = this.retrying && this.menuTries.id === node.id;
    this.retrying = false;
    const tries = again ? this.menuTries.count : 0;
    if (tries >= node.tries) {
      this.menuTries = { id: '', count: 0 };
      return node.giveUp;
    }
    this.menuTries = { id: node.id, count: tries + 1 };
    if (this.menuHistory[this.menuHistory.length - 1] !== node.id) this.menuHistory.push(node.id);
    if (this.menuHistory.length > 50) this.menuHistory.shift();

    const options = new Map<string, NodeId>();
    const labels: EnabledLabel[] = [];
    for (const o of node.options) {
      if (options.has(o.key)) continue;
      if (o.when && !truthy(await this.value(o.when))) continue;
      options.set(o.key, o.next);
      if (o.label) labels.push({ key: o.key, label: o.label });
    }
    const input = node.input;
    const acting = [...options.keys()];
    if (input) acting.push(...'0123456789', ...input.terminators.filter((t) => !options.has(t)));
    this.emit({ kind: 'listen', menu: node.name, keys: [...new Set(acting)] });
    const keys = [...options.keys()].join('');
    const terminators = node.bargeIn ? keys + (input ? '0123456789' : '') : '';
    const prompts = tries > 0 && node.retryPrompts.length > 0 ? node.retryPrompts : node.prompts;
    let pressed: string | undefined;
    if (introduced && node.intro) {
      // the intro (a message read out): every key acts at once; its stop key goes on to the menu
      const stop = node.bargeIn ? node.intro.stop.join('') : '';
      for (const p of node.intro.prompts) {
        pressed = await this.playPrompt(p, terminators + stop, labels);
        if (pressed) break;
      }
      if (pressed && node.intro.stop.includes(pressed)) {
        this.emit({ kind: 'dtmf', digits: pressed });
        return node.id; // the menu afresh, without its intro
      }
    }
    if (!pressed)
      for (const p of prompts) {
        pressed = await this.playPrompt(p, terminators, labels);
        if (pressed) break;
      }
    if (pressed) this.emit({ kind: 'dtmf', digits: pressed });
    if (pressed && options.has(pressed) && !(input && /[0-9]/.test(pressed))) return options.get(pressed)!;

    if (!input) {
      if (pressed) return node.invalid;
      const r = await this.o.media.read({
        min: 1,
        max: 1,
        file: 'silence_stream://250',
        timeoutMs: node.timeoutMs,
        terminators: 'none',
      });
      if (!r.digits) return node.silence;
      this.emit({ kind: 'dtmf', digits: r.digits });
      return options.get(r.digits) ?? node.invalid;
    }

    // several digits: the first may have come during the prompts
    let digits = pressed && /[0-9]/.test(pressed) ? pressed : '';
    let ended: string | undefined;
    if (digits.length < input.max) {
      const stop = input.terminators.join('') + [...options.keys()].filter((k) => !/[0-9]/.test(k)).join('');
      const r = await this.o.media.read({
        min: Math.max(1, input.min - digits.length),
        max: input.max - digits.length,
        file: 'silence_stream://250',
        timeoutMs: node.timeoutMs,
        terminators: stop || 'none',
      });
      if (r.digits) this.emit({ kind: 'dtmf', digits: r.digits });
      if (r.terminator) this.emit({ kind: 'dtmf', digits: r.terminator });
      digits += r.digits;
      ended = r.terminator;
    }
    if (digits === '' && ended && options.has(ended) && !input.terminators.includes(ended))
      return options.get(ended)!;
    if (digits === '') return node.silence;
    if (digits.length < input.min || !/^[0-9]+$/.test(digits)) return node.invalid;
    this.vars.set(input.variable, digits);
    return input.next;
  }

  private async record(node: GraphNode & { kind: 'record' }): Promise<NodeId> {
    // the id names the file, and the message made from it in the spool
    const id = `${this.call.id}-${++this.recordings}`;
    const local = join(this.o.mediaRoot.local, 'recordings', recordingFileName(id));
    await recordingsFolder(join(this.o.mediaRoot.local, 'recordings'));
    this.recorded.push({ id, localPath: local });
    const file = toFreeSwitchPath(this.o.mediaRoot, local);
    const silenceSeconds = Math.round(node.silenceMs / 1000);
    const maxMs = typeof node.maxMs === 'number' ? node.maxMs : Number(await this.value(node.maxMs));
    const r = await this.o.media.record(file, {
      maxSeconds: Math.max(1, Math.round(maxMs / 1000)),
      ...(silenceSeconds > 0
        ? { silenceThreshold: 200, silenceHits: silenceSeconds }
        : { silenceThreshold: 0 }),
      terminators: node.terminators.join('') || 'none',
    });
    const cause = r.hungUp ? (this.o.media.hangupCause ?? 'UNKNOWN') : undefined;
    // a call still up, or hung up by FreeSWITCH itself: did the recording reach voicebox's disk?
    if (cause === undefined || cause === RECORD_FAILED_CAUSE) {
      if (!(await fileExists(local))) {
        // FreeSWITCH wrote nothing where voicebox looks: its folder is missing or not writable
        // on its side, or media.freeswitch names another folder than media.local
        if (cause) this.noteHangup(cause, 'freeswitch');
        throw new MediaFailure(
          'recording failed',
          r.file,
          cause ??
            `record ended${r.recordMs !== undefined ? ` (record_ms ${r.recordMs})` : ''} but there is no file at ${local}`,
        );
      }
      // what was said up to the failure still counts as the message
      if (cause) this.mediaFailed('recording failed', r.file, cause);
    }
    let ms = r.recordMs;
    if (ms === undefined) {
      // the socket broke before FreeSWITCH could report the length: the file tells
      ms = await settledWavAudioMs(local);
      this.log.info({ file: r.file, ms }, 'recording length read from the file');
    }
    this.emit({ kind: 'record', ms, file: r.file, hungUp: r.hungUp });
    if (r.hungUp) {
      // what was said still counts: go on with what does not need the caller
      this.hungUp = true;
      this.noteHangup(cause ?? 'UNKNOWN', cause === RECORD_FAILED_CAUSE ? 'freeswitch' : 'caller');
    }
    if (ms < 500) {
      // no message: nothing of the caller is kept
      await unlink(local).catch(() => undefined);
      return node.outcomes.empty ?? node.next;
    }
    const audio: Audio = {
      kind: 'audio',
      freeswitchPath: r.file,
      localPath: local,
      ms,
      id,
    };
    this.vars.set(node.variable, audio);
    // cut off at the longest length: neither a key, nor silence, nor a hang-up ended it
    const full = !r.hungUp && r.terminator === undefined && !r.silence;
    return (full && node.outcomes.full) || node.next;
  }

  private async transfer(node: GraphNode & { kind: 'transfer' }): Promise<NodeId | null> {
    const to = await this.value(node.to);
    let number = typeof to === 'string' ? to.replace(/[^0-9+*#]/g, '') : '';
    if (!number) return node.outcomes.failed ?? node.next;
    // the admin's dial policy holds for every dial-out, also one a menu forgot to check:
    // the `dial check` action (when the server has it) refuses and logs why; nothing is dialled.
    // What is dialled is the number it approved, never the string it was asked about.
    if (this.o.actions.has('dial check')) {
      const checked = await this.invoke('dial check', [number]);
      if ('outcome' in checked || typeof checked.value !== 'string') return node.outcomes.failed ?? node.next;
      number = checked.value;
    }
    const target = (this.o.dialString ?? 'user/{number}').replace('{number}', number);
    const r = await this.o.media.bridge(target);
    this.emit({ kind: 'transfer', target, outcome: r.outcome });
    this.log.info({ at: where(node.loc), target, outcome: r.outcome, disposition: r.disposition }, node.mode);
    switch (r.outcome) {
      case 'answered':
        if (node.mode === 'transfer') {
          this.transferred = true;
          await this.hangup('NORMAL_CLEARING');
          return null;
        }
        return node.next;
      case 'busy':
        return node.outcomes.busy ?? node.outcomes.failed ?? node.next;
      case 'no-answer':
        return node.outcomes['no answer'] ?? node.outcomes.failed ?? node.next;
      default:
        return node.outcomes.failed ?? node.next;
    }
  }
}

export { UnsetVariableError };
