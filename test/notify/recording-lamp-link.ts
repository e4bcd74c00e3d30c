// FreeSWITCH's inbound event socket as the notifier's tests see it: a LampLink that records
// every MESSAGE_WAITING it took, and goes down and comes up when the test says.
import { EventEmitter } from 'node:events';
import type { LampLink } from '../../src/notify/index.js';

/** As esl's InboundLink rejects while it is down (src/notify knows it by its name only). */
export class InboundLinkDown extends Error {
  override readonly name = 'InboundLinkDown';
}

/** FreeSWITCH's inbound event socket as the lamps see it: records what it took, goes down and up. */
export class RecordingLampLink extends EventEmitter implements LampLink {
  readonly sent: Array<Record<string, string>> = [];
  isUp = true;
  async sendEvent(name: string, headers: Record<string, string>): Promise<string> {
    if (!this.isUp) throw new InboundLinkDown("not connected to FreeSWITCH's event socket");
    if (name !== 'MESSAGE_WAITING') throw new Error(`unexpected ${name}`);
    this.sent.push(headers);
    return 'a2b3c4d5-0000-4000-8000-000000000000';
  }
  down(): void {
    this.isUp = false;
  }
  up(): void {
    this.isUp = true;
    this.emit('up');
  }
  /** `sip:101@pbx yes 1/0 (0/0)` per event sent */
  get lamps(): string[] {
    return this.sent.map(
      (h) =>
        `${h['MWI-Message-Account']} ${h['MWI-Messages-Waiting']} ${h['MWI-Voice-Message']}` +
        (h['MWI-Fax-Message'] ? ` fax ${h['MWI-Fax-Message']}` : ''),
    );
  }
}
