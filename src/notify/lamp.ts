// The message-waiting lamp on the wire (N1): MESSAGE_WAITING events over FreeSWITCH's inbound
// event socket, which mod_sofia turns into a SIP NOTIFY to her phones. One send at a time per
// account, the latest state wins, nothing is lost while the link is down or a send fails.
import {
  noNotifierLog,
  silentNotifyLogger,
  type LoggedUser,
  type NotifierLog,
  type NotifyLogger,
} from './log.js';
import type { LampLink, LampState, NotifyReason } from './types.js';

/**
 * The headers of one MESSAGE_WAITING, in the order of the FreeSWITCH 1.10.12 capture
 * (esl-fixtures/inbound-mwi.txt): `MWI-Voice-Message: new/old (urgent new/urgent old)`, urgent
 * always 0/0 — voicebox has no urgent messages.
 */
export function mwiHeaders(state: LampState): Record<string, string> {
  return {
    'MWI-Messages-Waiting': state.waiting ? 'yes' : 'no',
    'MWI-Message-Account': state.account,
    'MWI-Voice-Message': `${state.voice.new}/${state.voice.old} (0/0)`,
    ...(state.fax ? { 'MWI-Fax-Message': `${state.fax.new}/${state.fax.old} (0/0)` } : {}),
  };
}

const sameState = (a: LampState, b: LampState): boolean =>
  a.waiting === b.waiting &&
  a.voice.new === b.voice.new &&
  a.voice.old === b.voice.old &&
  a.fax?.new === b.fax?.new &&
  a.fax?.old === b.fax?.old;

interface Pending {
  readonly state: LampState;
  readonly reason: NotifyReason;
  readonly user: LoggedUser;
}

/** The timers a lamp waits with before it is sent again; tests pass their own. */
export interface LampTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The wait before a lamp FreeSWITCH did not take is sent again: firstMs, doubling, at most maxMs. */
export interface LampRetry {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_LAMP_RETRY: LampRetry = Object.freeze({ firstMs: 1_000, maxMs: 60_000 });

const realTimers: LampTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LampSenderOptions {
  readonly log?: NotifyLogger;
  readonly notifierLog?: NotifierLog;
  /** the back-off after an error that is not the link being down (a reply timeout, -ERR) */
  readonly retry?: Partial<LampRetry>;
  readonly timers?: LampTimers;
}

/** The error name the inbound link rejects with while it is down (esl InboundLinkDown). */
const LINK_DOWN = 'InboundLinkDown';

/**
 * Sends lamp states over a LampLink. `set` never throws and never waits for FreeSWITCH. Per
 * account one send at a time, and only the latest state waits behind it. A state is never skipped
 * because this process sent it before: another voicebox process may have sent a different one
 * since, and a repeated NOTIFY is cheap while a wrong lamp is not. While the link is down
 * (`InboundLinkDown`) the latest state per account waits for its `up`; any other error (a reply
 * timeout, -ERR on a connection that stays up) is retried on a timer with back-off.
 */
export class LampSender {
  private readonly log: NotifyLogger;
  private readonly notifierLog: NotifierLog;
  private readonly retry: LampRetry;
  private readonly timers: LampTimers;
  /** per account: the send under way, and the state it carries */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly inFlightState = new Map<string, LampState>();
  /** per account: the latest state not yet taken */
  private readonly pending = new Map<string, Pending>();
  /** per account: failed attempts (not the link being down) since the last success, and the timer */
  private readonly retrying = new Map<string, { attempts: number; timer: unknown }>();
  /** the link is down as far as the last attempt knows: warned once until a send succeeds */
  private down = false;
  /** how often the link came up: a send that failed as "down" across an `up` is sent again */
  private ups = 0;
  private readonly onUp = (): void => {
    this.ups++;
    this.down = false;
    this.flush();
  };

  constructor(
    private readonly link: LampLink,
    options: LampSenderOptions = {},
  ) {
    this.log = options.log ?? silentNotifyLogger;
    this.notifierLog = options.notifierLog ?? noNotifierLog;
    this.retry = { ...DEFAULT_LAMP_RETRY, ...options.retry };
    this.timers = options.timers ?? realTimers;
    link.on('up', this.onUp);
  }

  /** The link the lamps go over: the notifier reconciles on its `up` too. */
  get lampLink(): LampLink {
    return this.link;
  }

  /**
   * Her lamp should show `state`; sent now, or when the link is back. Only a send of the same
   * state already under way in this process makes it unnecessary (unless `force`).
   */
  set(state: LampState, reason: NotifyReason, user: LoggedUser, o: { force?: boolean } = {}): void {
    const account = state.account;
    const sending = this.inFlightState.get(account);
    if (!o.force && sending && sameState(sending, state)) {
      this.pending.delete(account); // an older state waiting behind it would now be wrong
      return;
    }
    this.pending.set(account, { state, reason, user });
    this.sendNext(account);
  }

  /** Sends everything pending now (the link came up): back-off timers are cut short. */
  flush(): void {
    for (const { timer } of this.retrying.values()) this.timers.clearTimeout(timer);
    for (const [account, r] of this.retrying) this.retrying.set(account, { ...r, timer: undefined });
    for (const account of [...this.pending.keys()]) this.sendNext(account);
  }

  /** The number of accounts whose latest state FreeSWITCH has not taken yet. */
  get waiting(): number {
    return new Set([...this.pending.keys(), ...this.inFlight.keys()]).size;
  }

  /** Resolves when no send is under way (tests, shutdown); what waits for `up` or a retry does not count. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Stops listening to the link and waits for sends under way; pending states are dropped. */
  async close(): Promise<void> {
    this.link.off('up', this.onUp);
    for (const { timer } of this.retrying.values()) this.timers.clearTimeout(timer);
    this.retrying.clear();
    this.pending.clear();
    await this.idle();
  }

  private sendNext(account: string): void {
    if (this.inFlight.has(account)) return; // the send under way looks for this one when it ends
    if (this.retrying.get(account)?.timer !== undefined) return; // its back-off timer sends it
    const next = this.pending.get(account);
    if (!next) return;
    this.pending.delete(account);
    this.inFlightState.set(account, next.state);
    const sending = this.send(next).finally(() => {
      this.inFlight.delete(account);
      this.inFlightState.delete(account);
      if (!this.down) this.sendNext(account);
    });
    this.inFlight.set(account, sending);
  }

  private async send(p: Pending): Promise<void> {
    const account = p.state.account;
    const ups = this.ups;
    try {
      await this.link.sendEvent('MESSAGE_WAITING', mwiHeaders(p.state));
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      if (error instanceof TypeError) {
        // a state mod_sofia would drop: sending it again would not help
        this.log.error({ user: p.user.id, account, err }, 'lamp not sent: the event is not valid');
        return;
      }
      // kept, unless a newer state came meanwhile
      if (!this.pending.has(account)) this.pending.set(account, p);
      const line = { user: p.user.id, account, waiting: p.state.waiting, err };
      if (error instanceof Error && error.name === LINK_DOWN) {
        if (this.ups !== ups) return; // it came up meanwhile: sent again as this send ends
        if (!this.down)
          this.log.warn(line, 'lamp not sent: FreeSWITCH is not reachable; sent when it is back');
        else this.log.debug(line, 'lamp kept until FreeSWITCH is back');
        this.down = true;
        return;
      }
      // the link is up but this send failed (no reply in time, -ERR): again after a while
      const attempts = (this.retrying.get(account)?.attempts ?? 0) + 1;
      const delay = Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** Math.min(attempts - 1, 30));
      const timer = this.timers.setTimeout(() => {
        const r = this.retrying.get(account);
        if (r) this.retrying.set(account, { ...r, timer: undefined });
        this.sendNext(account);
      }, delay);
      this.retrying.set(account, { attempts, timer });
      if (attempts === 1)
        this.log.warn({ ...line, retryInMs: delay }, 'lamp not sent: FreeSWITCH did not take it; sent again');
      else this.log.debug({ ...line, attempts, retryInMs: delay }, 'lamp not sent again');
      return;
    }
    this.down = false;
    this.retrying.delete(account);
    this.notifierLog.write({
      kind: 'lamp',
      user: p.user,
      account,
      waiting: p.state.waiting,
      voice: p.state.voice,
      fax: p.state.fax,
      reason: p.reason,
    });
  }
}
