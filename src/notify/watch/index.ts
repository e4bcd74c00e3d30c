// How voicebox learns that a mailbox changed: the mail server's push, and the periodic check.
export {
  DEFAULT_PUSH_MAX_BODY_BYTES,
  isPlausibleLogin,
  PUSH_PATH,
  PushEndpoint,
  pushEnabled,
} from './push.js';
export type { PushEndpointOptions } from './push.js';
export { MailboxPoll, pollEnabled } from './poll.js';
export type { MailboxPollOptions, PollRound, PollTarget, PollTimers } from './poll.js';
