// The spool tells when a message is delivered (its sent marker written), so that what it was
// composed from — the caller's recording — can go: not before, and also after a restart that
// finds a message delivered by the process before.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailSpool, spoolFileName } from '../../src/mail/index.js';
import type { RawMessage } from '../../src/mail/index.js';
import { cleanUpSpools, scratch, trackSpool, voiceMessage } from './spool-support.js';

afterEach(cleanUpSpools);

describe('the spool says when a message is delivered', () => {
  it('only after the server took it and the sent marker is written', async () => {
    const { dir, wav } = scratch();
    let up = false;
    const delivered: Array<{ id: string; marker: boolean }> = [];
    const spool = new MailSpool({
      dir,
      send: async (_m: RawMessage) => {
        if (!up) throw new Error('connect ECONNREFUSED');
      },
      retry: { firstMs: 60_000, maxMs: 60_000 },
      onDelivered: (id) =>
        void delivered.push({ id, marker: existsSync(join(dir, 'sent', spoolFileName(id))) }),
    });
    trackSpool(spool);
    await spool.start();
    await spool.enqueue(voiceMessage(wav, 'call-1'), 'call-1');
    await spool.flush();
    expect(delivered).toEqual([]);
    expect(spool.holds('call-1')).toBe(true);
    up = true;
    await spool.flush();
    expect(delivered).toEqual([{ id: 'call-1', marker: true }]);
    expect(spool.holds('call-1')).toBe(false);
  });

  it('a restart that finds a delivered message still in the spool reports it', async () => {
    const { dir, wav } = scratch();
    const first = new MailSpool({ dir, send: async () => {} });
    await first.stop();
    await first.enqueue(voiceMessage(wav, 'call-2'), 'call-2'); // stopped: not sent yet
    // the process before had delivered it and written the marker, then stopped
    mkdirSync(join(dir, 'sent'), { recursive: true });
    writeFileSync(
      join(dir, 'sent', spoolFileName('call-2')),
      JSON.stringify({ id: 'call-2', messageId: '<x>', sentAt: Date.now() }),
    );
    const delivered: string[] = [];
    const again = new MailSpool({ dir, send: async () => {}, onDelivered: (id) => void delivered.push(id) });
    trackSpool(again);
    await again.start();
    expect(delivered).toEqual(['call-2']);
  });

  it('a failing step after delivery is logged, and the spool goes on', async () => {
    const { dir, wav } = scratch();
    const warnings: string[] = [];
    const spool = new MailSpool({
      dir,
      send: async () => {},
      logger: { info() {}, error() {}, warn: (_o, msg) => void warnings.push(msg ?? '') },
      onDelivered: () => {
        throw new Error('EACCES');
      },
    });
    trackSpool(spool);
    await spool.start();
    await spool.enqueue(voiceMessage(wav, 'call-3'), 'call-3');
    await spool.flush();
    expect(spool.pending()).toEqual([]);
    expect(warnings).toContain('mail spool: the step after delivery failed');
  });
});
