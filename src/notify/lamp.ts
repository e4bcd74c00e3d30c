// The message-waiting lamp on the wire (N1): MESSAGE_WAITING events over FreeSWITCH's inbound
// event socket, which mod_sofia turns into a SIP NOTIFY to her phones. One send at a time per
// account, the latest state wins, nothing is lost while the link is down.
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

export interface LampSenderOptions {
  readonly log?: NotifyLogger;
  readonly notifierLog?: NotifierLog;
}

/**
 * Sends lamp states over a LampLink. `set` never throws and never waits for FreeSWITCH: while
 * the link is down the latest state per account is kept and sent when it comes `up` again. A
 * state equal to the one FreeSWITCH last took for that account is not sent again, except with
 * `force` (the reconcile after a (re)connection: FreeSWITCH may have restarted and forgotten).
 */
export class LampSender {
  private readonly log: NotifyLogger;
  private readonly notifierLog: NotifierLog;
  /** per account: the state FreeSWITCH took last */
  private readonly sent = new Map<string, LampState>();
  /** per account: the state being sent now */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly inFlightState = new Map<string, LampState>();
  /** per account: the latest state not yet taken */
  private readonly pending = new Map<string, Pending>();
  /** the link is down as far as the last attempt knows: warned once until a send succeeds */
  private down = false;
  private readonly onUp = (): void => this.flush();

  constructor(
    private readonly link: LampLink,
    options: LampSenderOptions = {},
  ) {
    this.log = options.log ?? silentNotifyLogger;
    this.notifierLog = options.notifierLog ?? noNotifierLog;
    link.on('up', this.onUp);
  }

  /** The link the lamps go over: the notifier reconciles on its `up` too. */
  get lampLink(): LampLink {
    return this.link;
  }

  /** Her lamp should show `state`; sent now, or when the link is back. */
  set(state: LampState, reason: NotifyReason, user: LoggedUser, o: { force?: boolean } = {}): void {
    const account = state.account;
    const expected = this.inFlightState.get(account) ?? this.sent.get(account);
    if (!o.force && expected && sameState(expected, state)) {
      this.pending.delete(account); // an older state waiting would now be wrong
      return;
    }
    this.pending.set(account, { state, reason, user });
    this.sendNext(account);
  }

  /** Sends everything pending (the link came up). */
  flush(): void {
    for (const account of [...this.pending.keys()]) this.sendNext(account);
  }

  /** The number of accounts whose latest state FreeSWITCH has not taken yet. */
  get waiting(): number {
    return this.pending.size + this.inFlight.size;
  }

  /** Resolves when no send is under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Stops listening to the link and waits for sends under way; pending states are dropped. */
  async close(): Promise<void> {
    this.link.off('up', this.onUp);
    this.pending.clear();
    await this.idle();
  }

  private sendNext(account: string): void {
    if (this.inFlight.has(account)) return; // the send under way looks for this one when it ends
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
    try {
      await this.link.sendEvent('MESSAGE_WAITING', mwiHeaders(p.state));
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      if (error instanceof TypeError) {
        // a state mod_sofia would drop: sending it again would not help
        this.log.error({ user: p.user.id, account, err }, 'lamp not sent: the event is not valid');
        return;
      }
      // kept for the next `up`, unless a newer state came meanwhile
      if (!this.pending.has(account)) this.pending.set(account, p);
      const line = { user: p.user.id, account, waiting: p.state.waiting, err };
      if (!this.down) this.log.warn(line, 'lamp not sent: FreeSWITCH is not reachable; sent when it is back');
      else this.log.debug(line, 'lamp kept until FreeSWITCH is back');
      this.down = true;
      return;
    }
    this.down = false;
    this.sent.set(account, p.state);
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
