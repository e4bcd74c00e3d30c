// The SMS (N2): its words, her number, the two gateways and the durable queue in front of them.
export { BadNumberLog, mobileE164, SmsNumberError, smsNumbers } from './number.js';
export type { SmsLogger, SmsNumbers } from './number.js';
export { smsJob, smsJobId } from './job.js';
export type { SmsJobInput } from './job.js';
export { gsmLength, lastSender, SMS_MAX_GSM_CHARACTERS, smsLanguage, smsText } from './text.js';
export type { SmsLanguage, SmsTextInput } from './text.js';
export { mailSmsGateway } from './mail-gateway.js';
export type { MailSmsGatewayOptions } from './mail-gateway.js';
export {
  bodyEscape,
  DEFAULT_SMS_BODY,
  fillSmsTemplate,
  httpSmsGateway,
  SMS_HTTP_PLACEHOLDERS,
  SmsGatewayError,
} from './http-gateway.js';
export type { HttpSmsGatewayOptions } from './http-gateway.js';
export { DEFAULT_SMS_RETRY, smsBackoffMs, SmsQueue, SmsQueueLocked } from './queue.js';
export type { SmsFailure, SmsQueueOptions, SmsRetryPolicy, SmsTimers } from './queue.js';
export { smsDispatch } from './dispatch.js';
export type { SmsDispatchOptions, SmsDueInput } from './dispatch.js';
