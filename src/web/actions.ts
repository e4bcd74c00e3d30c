// The live release's actions with a web request as the "call": the same code, counters and log
// lines as the phone, so a PIN tried here counts towards the phone's lock and a profile set here
// is what a caller hears next.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ActionContext, ActionResult, Value } from '../runtime/index.js';
import type { WebActions, WebDeps } from './context.js';

/** what an action registered with `onCallEnd` (a mailbox it opened) leaves for the end of the request */
const cleanupsOf = new WeakMap<FastifyRequest, Array<() => Promise<void> | void>>();

/**
 * The actions for one request, "called" at `mailbox` (hers). The registry is the live release's
 * when the request starts: a deploy in the middle of a request does not mix two releases.
 */
export function webActions(deps: WebDeps, mailbox: string, request: FastifyRequest): WebActions {
  const registry = deps.actions();
  const ctx: ActionContext = {
    call: {
      id: `web-${randomBytes(6).toString('hex')}`,
      // the wrong-PIN log and the lock mail name where an attempt came from, as the phone names the number
      caller: `web:${request.ip}`,
      callerName: '',
      called: mailbox,
      callerClass: 'external',
      time: deps.clock(),
    },
    language: request.pageLanguage,
    log: deps.log.child({ web: true }),
    onCallEnd(cleanup) {
      const list = cleanupsOf.get(request) ?? [];
      list.push(cleanup);
      cleanupsOf.set(request, list);
    },
  };
  return {
    run(name: string, args: Value[]): Promise<ActionResult> {
      const action = registry.get(name);
      if (!action) throw new Error(`the menus' release has no action '${name}'`);
      return action(args, ctx);
    },
  };
}

/** runs what the request's actions left for its end (the app calls it when the response is sent) */
export async function endWebCall(request: FastifyRequest, deps: WebDeps): Promise<void> {
  const list = cleanupsOf.get(request);
  if (!list) return;
  cleanupsOf.delete(request);
  for (const cleanup of list) {
    try {
      await cleanup();
    } catch (e) {
      deps.log.warn({ web: true, err: (e as Error).message }, 'web request cleanup failed');
    }
  }
}
