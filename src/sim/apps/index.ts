// One module per FreeSWITCH application (or per family sharing most of its code), each
// written against AppContext. This table is the simulator's only list of applications.
import { answer } from './answer.js';
import { bridge } from './bridge.js';
import type { Application } from './context.js';
import { deflect, hangup } from './hangup.js';
import { playAndGetDigits } from './play-and-get-digits.js';
import { playback } from './playback.js';
import { phrase, say, speak } from './prompt.js';
import { flushDtmf, nothing } from './quiet.js';
import { read } from './read.js';
import { record } from './record.js';
import { park, sleep } from './sleep.js';
import { transfer } from './transfer.js';
import { exportVar, set, unset } from './variables.js';

export type { AppContext, Application, MediaWait, WaitEnd } from './context.js';
export { RECORD_START_LOSS_MS } from './record.js';

/**
 * The applications the simulator runs, by FreeSWITCH's name. Any other name is an unknown
 * application: FreeSWITCH hangs the call up (DESTINATION_OUT_OF_ORDER) and fires no event.
 */
export const APPLICATIONS: ReadonlyMap<string, Application> = new Map<string, Application>([
  ['answer', answer],
  ['pre_answer', nothing],
  ['ring_ready', nothing],
  ['playback', playback],
  ['speak', speak],
  ['say', say],
  ['phrase', phrase],
  ['read', read],
  ['play_and_get_digits', playAndGetDigits],
  ['record', record],
  ['bridge', bridge],
  ['transfer', transfer],
  ['hangup', hangup],
  ['set', set],
  ['export', exportVar],
  ['unset', unset],
  ['sleep', sleep],
  ['park', park],
  ['break', nothing],
  ['flush_dtmf', flushDtmf],
  ['send_dtmf', nothing],
  ['deflect', deflect],
  ['log', nothing],
  ['info', nothing],
  ['event', nothing],
  ['socket', nothing],
]);
