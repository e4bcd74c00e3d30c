import { randomUUID } from 'node:crypto';
import type { SimCall } from './call.js';

/** What the API commands can see of the simulated switch. */
export interface ApiContext {
  readonly calls: ReadonlyMap<string, SimCall>;
  readonly startedAtMs: number;
  sessionsSinceStartup(): number;
  /** Scripted `originate`: returns the API output (`+OK <uuid>\n` or `-ERR <CAUSE>\n`). */
  originate(args: string): string;
}

/**
 * The few API commands the simulator knows, with FreeSWITCH's output strings
 * (the inbound.1 capture, test/fixtures/esl/README.md). Anything else: `-ERR <cmd> Command not found!`.
 */
export function runApi(ctx: ApiContext, line: string, requester?: string): string {
  const trimmed = line.trim();
  const space = trimmed.indexOf(' ');
  const command = space < 0 ? trimmed : trimmed.slice(0, space);
  const args = space < 0 ? '' : trimmed.slice(space + 1).trim();
  const words = args.split(/\s+/).filter(Boolean);
  const call = (uuid: string | undefined): SimCall | undefined => (uuid ? ctx.calls.get(uuid) : undefined);
  const live = (uuid: string | undefined): SimCall | undefined => {
    const c = call(uuid);
    return c?.isUp ? c : undefined;
  };

  switch (command) {
    case 'status': {
      const up = Date.now() - ctx.startedAtMs;
      const active = [...ctx.calls.values()].filter((c) => c.isUp).length;
      return (
        `UP 0 years, 0 days, 0 hours, 0 minutes, ${Math.floor(up / 1000)} seconds, ${up % 1000} milliseconds, 0 microseconds\n` +
        'FreeSWITCH (Version 1.10.12-release simulator 64bit) is ready\n' +
        `${ctx.sessionsSinceStartup()} session(s) since startup\n` +
        `${active} session(s) - peak ${active}, last 5min ${active} \n` +
        '0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n' +
        '1000 session(s) max\nmin idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n'
      );
    }
    case 'version':
      return 'FreeSWITCH Version 1.10.12-release (simulator)\n';
    case 'uuid_kill': {
      const c = live(words[0]);
      if (!c) return '-ERR No such channel!\n';
      // Sent on the call's own socket it is the controller hanging up.
      c.hangup(words[1] ?? 'NORMAL_CLEARING', requester === c.uuid ? 'voicebox' : 'api');
      return '+OK\n';
    }
    case 'uuid_break': {
      const c = live(words[0]);
      if (!c) return '-ERR No such channel!\n';
      c.breakMedia(words[1] === 'all');
      return '+OK\n';
    }
    case 'uuid_recv_dtmf': {
      if (words.length < 2) return '-USAGE: <uuid> <dtmf_data>\n';
      const c = live(words[0]);
      if (!c) return '-ERR Cannot locate session!\n';
      c.queueDigits((words[1] ?? '').replace(/@\d+/g, '').replace(/[+~]/g, ''), 'APP');
      return `+OK ${words[0]} received DTMF ${words[1]}.\n`;
    }
    case 'uuid_getvar': {
      const c = live(words[0]);
      if (!c) return '-ERR No such channel!\n';
      return c.getVar(words[1] ?? '') ?? '_undef_';
    }
    case 'uuid_setvar': {
      const c = live(words[0]);
      if (!c) return '-ERR No such channel!\n';
      c.setVar(words[1] ?? '', words.slice(2).join(' '));
      return '+OK\n';
    }
    case 'uuid_exists':
      return live(words[0]) ? 'true' : 'false';
    case 'uuid_transfer': {
      const c = live(words[0]);
      if (!c) return '-ERR No such channel!\n';
      return '+OK\n';
    }
    case 'show':
      if (args === 'channels count' || args === 'calls count') {
        const n = [...ctx.calls.values()].filter((c) => c.isUp).length;
        return `\n${n} total.\n`;
      }
      return '-USAGE: show channels count\n';
    case 'hupall':
      for (const c of ctx.calls.values()) if (c.isUp) c.hangup(words[0] ?? 'MANAGER_REQUEST', 'api');
      return '+OK\n';
    case 'originate':
      if (words.length < 2)
        return '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>]\n';
      return ctx.originate(args);
    case 'create_uuid':
      return randomUUID();
    case '':
      return '-ERR no reply\n';
    default:
      return `-ERR ${command} Command not found!\n`;
  }
}
