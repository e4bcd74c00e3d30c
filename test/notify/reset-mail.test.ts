// Who a reset mail is from: only the site's MTA's word for an authenticated submission counts,
// unless the admin chose to believe the From header.
import { describe, expect, it } from 'vitest';
import { receivedHeaders, resetRequester, type ResetMail } from '../../src/notify/reset-mail.js';

const lmtp = 'from mail.example.com by mail.example.com with LMTP id 4Kq; Wed, 02 Dec 2026 09:00:01 +0000';
const submitted =
  'from [127.0.0.1] (localhost [127.0.0.1]) (Authenticated sender: alice) by mail.example.com (Postfix) with ESMTPSA id 5F39; Wed, 02 Dec 2026 09:00:00 +0000';
const plain =
  'from attacker.example (unknown [192.0.2.7]) by mail.example.com (Postfix) with ESMTP id 77; Wed, 02 Dec 2026 09:00:00 +0000';

const mail = (received: string[], from = 'alice@example.com'): ResetMail => ({ uid: 1, from, received });

describe('a reset mail', () => {
  it('is from the login the site’s MTA names for an authenticated submission', () => {
    expect(resetRequester(mail([lmtp, submitted]), 'authenticated')).toEqual({ name: 'alice' });
  });

  it('with a forged "Authenticated sender" below the MTA’s own hop is refused', () => {
    const forged = submitted.replace('alice', 'bob');
    expect(resetRequester(mail([lmtp, plain, forged], 'bob@example.com'), 'authenticated')).toEqual({
      refused: 'not sent through an authenticated submission',
    });
  });

  it('without any hop of the mail server is refused', () => {
    expect(resetRequester(mail([lmtp]), 'authenticated')).toEqual({
      refused: 'no Received header of the mail server',
    });
  });

  it('is believed by its From address only when the admin chose `from`', () => {
    expect(resetRequester(mail([lmtp, plain], 'carol@example.com'), 'from')).toEqual({
      name: 'carol@example.com',
    });
    expect(resetRequester(mail([lmtp, plain], ''), 'from')).toEqual({ refused: 'no From address' });
  });

  it('has its folded Received headers read in order, topmost first', () => {
    const block = `Received: from a\r\n\tby b with LMTP\r\nSubject: x\r\nReceived: from c\r\n (Authenticated sender: dave)\r\n by d\r\n\r\n`;
    expect(receivedHeaders(block)).toEqual([
      'from a by b with LMTP',
      'from c (Authenticated sender: dave) by d',
    ]);
  });
});
