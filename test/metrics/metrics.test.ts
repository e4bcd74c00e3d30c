// What Prometheus reads of voicebox's metrics: names and units, labels that stay bounded whatever
// a call brings, and two voicebox servers in one process that never share a series.
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/index.js';
import type { CallObserver, ObservedCall } from '../../src/runtime/index.js';
import { family, histogramCount, parsed, valueOf } from './prometheus-text.js';

const scrape = async (m: Metrics) => parsed(await m.exposition());

describe('the metrics a scraper reads', () => {
  it('counts calls in progress by flow and release, and ended calls by flow and outcome', async () => {
    const m = new Metrics({ defaultMetrics: false });
    // the call server's observer, as it is
    const observer: CallObserver = m;
    const a: ObservedCall = { uuid: 'a', flow: 'voicebox', release: '3' };
    const b: ObservedCall = { uuid: 'b', flow: 'voicebox', release: '4' };
    observer.started(a);
    observer.started(b);
    let f = await scrape(m);
    expect(valueOf(f, 'voicebox_calls_in_progress', { flow: 'voicebox', release: '3' })).toBe(1);
    expect(valueOf(f, 'voicebox_calls_in_progress', { flow: 'voicebox', release: '4' })).toBe(1);

    observer.ended(a, 'caller_hangup');
    observer.ended(b, 'completed');
    // refused by the dialplan's token: never started, counted as it ends
    observer.ended({ uuid: 'c', flow: 'voicebox', release: '4' }, 'refused');
    f = await scrape(m);
    expect(valueOf(f, 'voicebox_calls_in_progress', { release: '3' })).toBe(0);
    expect(valueOf(f, 'voicebox_calls_in_progress', { release: '4' })).toBe(0);
    expect(valueOf(f, 'voicebox_calls_total', { flow: 'voicebox', outcome: 'caller_hangup' })).toBe(1);
    expect(valueOf(f, 'voicebox_calls_total', { flow: 'voicebox', outcome: 'completed' })).toBe(1);
    expect(valueOf(f, 'voicebox_calls_total', { flow: 'voicebox', outcome: 'refused' })).toBe(1);
    expect(family(f, 'voicebox_calls_total')?.type).toBe('COUNTER');
    expect(family(f, 'voicebox_calls_in_progress')?.type).toBe('GAUGE');
  });

  it('keeps labels bounded: odd flow names and too many of them are counted as other', async () => {
    const m = new Metrics({ defaultMetrics: false, maxLabelValues: 3 });
    const flows = ['a', 'b', 'c', 'd', 'e', '+4989777888', 'x'.repeat(200), 'with space'];
    for (const flow of flows) {
      m.started({ flow, release: '1' });
      m.ended({ flow, release: '1' }, 'completed');
    }
    m.ended({ flow: 'a', release: '1' }, 'not-an-outcome');
    const f = await scrape(m);
    const seen = family(f, 'voicebox_calls_total')!.metrics.map((s) => s.labels!);
    expect(new Set(seen.map((l) => l['flow']))).toEqual(new Set(['a', 'b', 'c', 'other']));
    expect(new Set(seen.map((l) => l['outcome']))).toEqual(new Set(['completed', 'other']));
    expect(valueOf(f, 'voicebox_calls_total', { flow: 'other', outcome: 'completed' })).toBe(5);
    // nothing of a caller's number ever appears in the exposition
    expect(await m.exposition()).not.toContain('4989777888');
  });

  it('times backend requests into a histogram in seconds, and counts the failed ones', async () => {
    const m = new Metrics({ defaultMetrics: false });
    await m.timed('smtp', 'send', async () => undefined);
    await m.timed('imap', 'open', async () => 'box');
    await expect(
      m.timed('ldap', 'findByNumber', () => Promise.reject(new Error('no directory server answered'))),
    ).rejects.toThrow('no directory server answered');
    const text = await m.exposition();
    const f = parsed(text);
    expect(family(f, 'voicebox_backend_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const count = (backend: string, operation: string) =>
      histogramCount(text, 'voicebox_backend_request_duration_seconds', { backend, operation });
    expect(count('smtp', 'send')).toBe(1);
    expect(count('imap', 'open')).toBe(1);
    expect(count('ldap', 'findByNumber')).toBe(1);
    expect(valueOf(f, 'voicebox_backend_errors_total', { backend: 'ldap', operation: 'findByNumber' })).toBe(
      1,
    );
    expect(valueOf(f, 'voicebox_backend_errors_total', { backend: 'smtp', operation: 'send' })).toBe(0);
  });

  it('reads the spool, the live release and draining when scraped', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let waiting = { messages: 0, oldestAgeSeconds: 0 };
    let state: 'starting' | 'serving' | 'draining' = 'serving';
    let live = '7';
    m.readSpoolFrom(() => waiting);
    m.readServingFrom(
      () => state,
      () => live,
    );
    m.spool.spooled();
    m.spool.spooled();
    m.spool.sent();
    m.spool.failed();
    m.spool.dead();
    m.notification('lamp', 'sent');
    m.notification('sms', 'failed');
    let f = await scrape(m);
    expect(valueOf(f, 'voicebox_spool_messages')).toBe(0);
    expect(valueOf(f, 'voicebox_spool_messages_spooled_total')).toBe(2);
    expect(valueOf(f, 'voicebox_spool_messages_sent_total')).toBe(1);
    expect(valueOf(f, 'voicebox_spool_send_failures_total')).toBe(1);
    expect(valueOf(f, 'voicebox_spool_messages_dead_total')).toBe(1);
    expect(valueOf(f, 'voicebox_notifications_sent_total', { kind: 'lamp' })).toBe(1);
    expect(valueOf(f, 'voicebox_notifications_failed_total', { kind: 'sms' })).toBe(1);
    expect(valueOf(f, 'voicebox_release_info', { release: '7' })).toBe(1);
    expect(valueOf(f, 'voicebox_draining')).toBe(0);

    waiting = { messages: 3, oldestAgeSeconds: 42.5 };
    state = 'draining';
    live = '8';
    f = await scrape(m);
    expect(valueOf(f, 'voicebox_spool_messages')).toBe(3);
    expect(valueOf(f, 'voicebox_spool_oldest_message_age_seconds')).toBe(42.5);
    expect(valueOf(f, 'voicebox_draining')).toBe(1);
    // only the live release has the info series: the one before is gone
    expect(family(f, 'voicebox_release_info')!.metrics.map((s) => s.labels?.['release'])).toEqual(['8']);
  });

  it('follows Prometheus naming: voicebox_ names, counters in _total, units in the name', async () => {
    const f = await scrape(new Metrics({ defaultMetrics: false }));
    for (const { name, type } of f) {
      expect(name).toMatch(/^voicebox_[a-z_]+$/);
      if (type === 'COUNTER') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    expect(f.map((x) => x.name)).toEqual(
      expect.arrayContaining([
        'voicebox_backend_request_duration_seconds',
        'voicebox_spool_oldest_message_age_seconds',
      ]),
    );
  });

  it("keeps each voicebox's series apart (two in one process), with the event loop's delay", async () => {
    const one = new Metrics();
    const two = new Metrics();
    one.started({ flow: 'voicebox', release: '1' });
    const [a, b] = [await scrape(one), await scrape(two)];
    expect(valueOf(a, 'voicebox_calls_in_progress', { flow: 'voicebox' })).toBe(1);
    expect(valueOf(b, 'voicebox_calls_in_progress', { flow: 'voicebox' })).toBe(0);
    for (const f of [a, b]) {
      expect(family(f, 'nodejs_eventloop_lag_p99_seconds')).toBeDefined();
      expect(family(f, 'process_resident_memory_bytes')).toBeDefined();
    }
  });
});
