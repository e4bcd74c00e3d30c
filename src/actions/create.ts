// The registry the runtime calls: every action, built once from the server's ports.
import type { LanguageRules } from '../graph/index.js';
import { DEFAULT_DIAL_POLICY } from '../phone/index.js';
import type { ActionImpl, ActionRegistry } from '../runtime/index.js';
import { callerSideActions } from './caller.js';
import type { ActionModule } from './define.js';
import { forwardActions } from './forward.js';
import { greetingActions } from './greetings.js';
import { inquiryActions } from './inquiry.js';
import { loginActions } from './login.js';
import { CallMailboxes } from './mailboxes.js';
import { pinActions } from './pin.js';
import type { ActionKit, ActionPorts } from './ports.js';
import { MessageRecords, UserRecords } from './records.js';
import { settingsActions } from './settings.js';

/** every action voicebox implements, one module per area */
export const actionModules: readonly ActionModule[] = [
  ...callerSideActions,
  ...greetingActions,
  ...loginActions,
  ...pinActions,
  ...inquiryActions,
  ...forwardActions,
  ...settingsActions,
];

/** the languages the menus speak: every one they declare has every prompt (the checker sees to it) */
function spokenLanguages(rules: LanguageRules): string[] {
  return [rules.default, rules.otherwise, ...rules.offered, ...rules.byCallerPrefix.map((r) => r.language)];
}

/**
 * Builds the actions of one server. The records behind `user` and `message` values live
 * here, once: a `user` found by `lookup user` is the same to every action that is handed it.
 */
export function createActions(ports: ActionPorts): ActionRegistry {
  const defaults = { language: ports.bundle.languages.default, profile: ports.bundle.profiles.default };
  const kit: ActionKit = {
    ...ports,
    policy: { ...ports.policy, dial: ports.policy.dial ?? DEFAULT_DIAL_POLICY },
    now: ports.clock ?? (() => new Date()),
    defaults,
    users: new UserRecords(ports.location, defaults, spokenLanguages(ports.bundle.languages), ports.log),
    messages: new MessageRecords(),
    callMailboxes: new CallMailboxes(ports.mailboxes, ports.media, ports.location),
  };
  const registry = new Map<string, ActionImpl>();
  for (const action of actionModules) {
    if (registry.has(action.name)) throw new Error(`the action '${action.name}' is implemented twice`);
    registry.set(action.name, (args, ctx) => action.invoke(kit, args, ctx));
  }
  return registry;
}
