// SMS over a provider's HTTP API: the request is built from the site's templates, each value
// escaped for where it stands, and carries the job's id as Idempotency-Key so a repeated request
// (a retry after a lost answer) can be dropped by the provider.
import { SmsRejected, type SmsGateway, type SmsJob } from '../types.js';

export interface HttpSmsGatewayOptions {
  /** URL template, e.g. `https://api.example/sms?to=$(MOBILE)`; values URL-encoded */
  readonly url: string;
  /** default POST; GET sends no body */
  readonly method?: string;
  /** default `application/json`: decides how values are escaped in the body */
  readonly contentType?: string;
  /** body template, e.g. `{"to":"$(MOBILE_E164)","text":"$(TEXT)"}` */
  readonly body?: string;
  /** basic authentication when `user` is set */
  readonly user?: string;
  readonly password?: string;
  /** further request headers (an API key, ...) */
  readonly headers?: Readonly<Record<string, string>>;
  /** the whole request, answer included; default 10 s */
  readonly timeoutMs?: number;
  /** the fetch to use; default Node's (undici) */
  readonly fetch?: typeof fetch;
}

export const DEFAULT_SMS_BODY = '{"to":"$(MOBILE_E164)","from":"$(SENDER)","text":"$(TEXT)"}';

/** The placeholders of the URL and body templates. */
export const SMS_HTTP_PLACEHOLDERS = [
  '$(MOBILE)',
  '$(MOBILE_E164)',
  '$(SENDER)',
  '$(TEXT)',
  '$(ID)',
] as const;

type Escape = (value: string) => string;

const escapeJson: Escape = (v) => JSON.stringify(v).slice(1, -1);
// application/x-www-form-urlencoded as browsers write it (URLSearchParams): space → `+`
const escapeForm: Escape = (v) => new URLSearchParams({ v }).toString().slice(2);
const escapeXml: Escape = (v) =>
  v.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
const asIs: Escape = (v) => v;

/** How a value is escaped in a body of this content type (parameters like `; charset=` ignored). */
export function bodyEscape(contentType: string): Escape {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return escapeJson;
  if (type === 'application/x-www-form-urlencoded') return escapeForm;
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return escapeXml;
  return asIs;
}

/** The values a template names, for one job: numbers with and without `+`, sender, text, id. */
function valuesOf(job: SmsJob): Record<(typeof SMS_HTTP_PLACEHOLDERS)[number], string> {
  return {
    '$(MOBILE)': job.to.replace(/^\+/, ''),
    '$(MOBILE_E164)': job.to,
    '$(SENDER)': job.from,
    '$(TEXT)': job.text,
    '$(ID)': job.id,
  };
}

/** Fills a template in one pass, so a value that contains `$(…)` is never filled again. */
export function fillSmsTemplate(template: string, job: SmsJob, escape: Escape): string {
  const values = valuesOf(job);
  return template.replace(/\$\((MOBILE_E164|MOBILE|SENDER|TEXT|ID)\)/g, (placeholder) =>
    escape(values[placeholder as keyof typeof values]),
  );
}

const reasonOf = (error: unknown): string => {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.name === 'TimeoutError' ? 'no answer in time' : error.message}${cause}`;
  }
  return String(error);
};

/** A failure worth retrying: 5xx, 408, 429, a timeout, a connection error. */
export class SmsGatewayError extends Error {
  override readonly name = 'SmsGatewayError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * The HTTP gateway. 2xx: taken. 4xx (but 408 and 429): SmsRejected, not retried — the provider
 * refuses this request as it is (a bad number, no credit, wrong credentials). 3xx: SmsRejected
 * naming where it points (the URL is out of date). 5xx, 408, 429, timeouts and connection errors:
 * SmsGatewayError, retried by the queue.
 */
export function httpSmsGateway(o: HttpSmsGatewayOptions): SmsGateway {
  const method = (o.method ?? 'POST').toUpperCase();
  const contentType = o.contentType ?? 'application/json';
  const escape = bodyEscape(contentType);
  const bodyTemplate = o.body ?? DEFAULT_SMS_BODY;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const doFetch = o.fetch ?? fetch;
  const auth = o.user
    ? `Basic ${Buffer.from(`${o.user}:${o.password ?? ''}`, 'utf8').toString('base64')}`
    : undefined;
  const hasBody = method !== 'GET' && method !== 'HEAD';

  return {
    async send(job: SmsJob) {
      const url = new URL(fillSmsTemplate(o.url, job, encodeURIComponent));
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new SmsRejected(`notify.sms.http.url must be http or https, not ${url.protocol}`);
      }
      const headers = new Headers(o.headers ?? {});
      headers.set('Idempotency-Key', job.id);
      if (auth) headers.set('Authorization', auth);
      if (hasBody) headers.set('Content-Type', contentType);
      // the host only: a query string may carry an API key
      const where = `${method} ${url.origin}${url.pathname}`;
      const signal = AbortSignal.timeout(timeoutMs);
      let response: Response;
      let answer: string;
      try {
        response = await doFetch(url, {
          method,
          headers,
          redirect: 'manual',
          signal,
          ...(hasBody ? { body: fillSmsTemplate(bodyTemplate, job, escape) } : {}),
        });
        // read the answer to its end (under the same deadline): the connection is free again
        answer = await response.text();
      } catch (error) {
        throw new SmsGatewayError(`${where}: ${reasonOf(error)}`);
      }
      const { status } = response;
      if (status >= 200 && status < 300) return;
      const said = answer.replace(/\s+/g, ' ').trim().slice(0, 200);
      const detail = `${where}: ${status} ${response.statusText}${said ? ` (${said})` : ''}`;
      if (status >= 300 && status < 400) {
        throw new SmsRejected(`${detail}, redirected to ${response.headers.get('location') ?? '?'}`, status);
      }
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        throw new SmsRejected(detail, status);
      }
      throw new SmsGatewayError(detail, status);
    },
  };
}
