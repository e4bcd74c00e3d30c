// The call runtime: one CallSession per call over the compiled IVR graph.
export { CallSession, ActionUnavailable, MediaFailure, type SessionOptions } from './session.js';
export {
  IN_USE_MS,
  UNSENT_KEEP_MS,
  RecordingRetention,
  type RecordingRetentionOptions,
  type SweepReport,
} from './recording.js';
export {
  CallServer,
  TOKEN_VARIABLE,
  VoiceboxServer,
  type CallServerOptions,
  type Release,
  type VoiceboxServerOptions,
} from './server.js';
export {
  speechVoice,
  UnknownPromptText,
  PREPARED_PROMPTS,
  type PreparedPrompts,
  type SpeechVoice,
} from './voice.js';
export { defaultMenuConfig } from './config.js';
export { evaluate, isAudio, truthy, UnsetVariableError, type Audio, type Value } from './values.js';
export { isCallHungUp } from './ports.js';
export type * from './ports.js';
