// The FreeSWITCH link. Public surface: the outbound server and its Channel (one per call),
// the inbound client, typed errors, and the codec (shared with the simulator).
export { OutboundServer } from './outbound-server.js';
export type { OutboundServerOptions } from './outbound-server.js';
export type { EslTiming } from './connection.js';
export { Channel, CALLER_ID_LIMITS, DEFAULT_CHANNEL_TIMEOUTS } from './channel.js';
export type {
  BridgeOutcome,
  BridgeResult,
  ChannelData,
  ChannelTimeouts,
  ExecuteOptions,
  ExecuteResult,
  PlayAndGetDigitsOptions,
  PlaybackResult,
  ReadOptions,
  ReadResult,
  RecordOptions,
  RecordResult,
} from './channel.js';
export { InboundClient } from './inbound-client.js';
export type { InboundClientEvents, InboundClientOptions, ReconnectOptions } from './inbound-client.js';
export { InboundLink, InboundLinkDown } from './inbound-link.js';
export type { InboundLinkEvents, InboundLinkOptions, LinkFailureCause, LinkRetry } from './inbound-link.js';
export {
  EslCommandError,
  EslConnectionError,
  EslProtocolError,
  EslTimeoutError,
  HangupError,
} from './errors.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export * from './codec/index.js';
