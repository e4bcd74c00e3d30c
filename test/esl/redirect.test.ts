// The redirecting number of a call, read from the CHANNEL_DATA headers as FreeSWITCH 1.10 sends them.
import { describe, expect, it } from 'vitest';
import { redirectOf } from '../../src/esl/redirect.js';

const headers = (h: Record<string, string>) => (k: string) => h[k] ?? '';

describe('the number a call was forwarded from', () => {
  it('none when FreeSWITCH presents none', () => {
    expect(redirectOf(headers({ 'Caller-Destination-Number': '500' }))).toEqual({ ignored: [] });
  });

  it('Caller-RDNIS first, then the Diversion header, then History-Info', () => {
    const all = {
      'Caller-RDNIS': '501',
      variable_sip_h_Diversion: '<sip:101@pbx.example.com>;reason=no-answer',
      variable_sip_history_info: '<sip:102@pbx>;index=1, <sip:500@voicebox>;index=1.1',
    };
    expect(redirectOf(headers(all))).toMatchObject({ number: '501', source: 'Caller-RDNIS' });
    const { 'Caller-RDNIS': _rdnis, ...noRdnis } = all;
    expect(redirectOf(headers(noRdnis))).toMatchObject({ number: '101', source: 'sip_h_Diversion' });
    expect(redirectOf(headers({ variable_sip_history_info: all.variable_sip_history_info }))).toMatchObject({
      number: '102',
      source: 'sip_history_info',
    });
  });

  it('the topmost Diversion entry: the last forwarding, the one to the voice box', () => {
    const d =
      '"Anders, Alice" <sip:+49301234101@pbx;user=phone>;reason=unconditional, <sip:102@pbx>;reason=busy';
    expect(redirectOf(headers({ variable_sip_h_Diversion: d })).number).toBe('+49301234101');
    expect(
      redirectOf(headers({ variable_sip_h_Diversion: '<tel:+49-30-1234101>;reason=no-answer' })).number,
    ).toBe('+49301234101');
    expect(redirectOf(headers({ variable_sip_h_Diversion: 'sip:%2B49301234101@pbx;reason=x' })).number).toBe(
      '+49301234101',
    );
  });

  it('a malformed source is ignored and reported, and the next one is read', () => {
    const r = redirectOf(
      headers({
        'Caller-RDNIS': '*)(uid=*',
        variable_sip_h_Diversion: '<sip:alice@pbx>;reason=no-answer',
        variable_sip_history_info: '<sip:103@pbx>;index=1, <sip:500@voicebox>;index=1.1',
      }),
    );
    expect(r.number).toBe('103');
    expect(r.ignored.map((i) => i.source)).toEqual(['Caller-RDNIS', 'sip_h_Diversion']);
  });

  it('hostile values never crash and never pass: long, control characters, bad escapes, no URI', () => {
    for (const bad of [
      '<sip:' + '1'.repeat(100) + '@pbx>',
      '<sip:1%0a2@pbx>',
      '<sip:%E0%A4%A@pbx>',
      '<sip:101\u0000@pbx>',
      'x'.repeat(1 << 20),
      '<<<>>>,,,;;;',
    ]) {
      const r = redirectOf(headers({ variable_sip_h_Diversion: bad }));
      expect(r.number).toBeUndefined();
      expect(r.ignored[0]?.value.length).toBeLessThanOrEqual(128);
    }
  });
});
