// The FreeSWITCH simulator: outbound calls driven by a scripted caller, an inbound event
// socket, simulated media time. Built on the same codec as src/esl.
export { Simulator } from './simulator.js';
export type {
  CallReport,
  MwiNotice,
  PlaceCallOptions,
  SimulatedCall,
  SimulatorOptions,
} from './simulator.js';
export { ScriptedCaller } from './script.js';
export type {
  CallerAction,
  CallerProfile,
  CallerRule,
  CallerScript,
  CallerTrigger,
  DestinationOutcome,
  MediaMatch,
  SocketFault,
  SocketFaultKind,
} from './script.js';
export { SimInboundServer } from './inbound.js';
export type { DroppedEvent, Lamp, LampWait, VoiceCounts } from './lamps.js';
export type { InboundListenOptions } from './inbound.js';
export { formatTranscript } from './transcript.js';
export type { TranscriptEntry } from './transcript.js';
export { VirtualClock } from './clock.js';
export { mediaDurationMs, toneDurationMs, wavDurationMs, writeWav } from './media.js';
export type { SimCall } from './call.js';
export { RECORD_START_LOSS_MS } from './apps/index.js';
