// `voicebox doctor`: the connection test (A2). Checks the config, then each server and folder
// voicebox needs, one after another, each within its own time limit, and prints one line per
// check with its time and, for a failure, what to do. Exit 0 all passed, 1 a check failed,
// 2 the config has errors. No mail is sent and nothing in the directory or a mailbox changes.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, readConfig, schema, type Rule, type VoiceboxConfig } from '../config/index.js';
import { runChecks, type CheckResult } from './doctor-checks.js';
import type { Io } from './menus.js';

export { runChecks, type CheckResult } from './doctor-checks.js';

interface DoctorOptions {
  config?: string;
  user?: string;
  json?: boolean;
  timeout?: number;
}

const STATUS: Record<CheckResult['status'], string> = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' };

/** `ok   ldap ldap://127.0.0.1:3389 bind as cn=voicebox,…   12 ms`, a failure with `— what: what to do` */
export function formatResult(r: CheckResult, width = 0): string {
  const what = `${r.area} ${r.target} ${r.step}`;
  const time = r.status === 'skip' ? '' : `${r.ms} ms`;
  const line = `${STATUS[r.status]} ${what.padEnd(width)}  ${time.padStart(r.status === 'skip' ? 0 : 7)}`;
  const said = [r.detail, r.status === 'fail' ? r.hint : undefined].filter(
    (s) => s !== undefined && s !== '',
  );
  return `${line.trimEnd()}${said.length ? `  — ${said.join(': ')}` : ''}`;
}

/** The configured secrets (schema keys marked secret): never in a line, whatever an error says. */
export function secretsOf(config: VoiceboxConfig): string[] {
  const found: string[] = [];
  const walk = (rules: Readonly<Record<string, Rule>>, values: unknown): void => {
    if (typeof values !== 'object' || values === null) return;
    for (const [key, rule] of Object.entries(rules)) {
      const value = (values as Record<string, unknown>)[key];
      if (rule.kind === 'section') walk(rule.fields, value);
      else if (rule.kind === 'string' && rule.secret && typeof value === 'string' && value.trim().length >= 3)
        found.push(value, value.trim());
    }
  };
  walk(schema, config);
  // longest first, so a secret that contains another is hidden whole
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

export function withoutSecrets(r: CheckResult, secrets: readonly string[]): CheckResult {
  const hide = (s: string): string =>
    secrets.reduce((text, secret) => text.split(secret).join('********'), s);
  return {
    ...r,
    target: hide(r.target),
    step: hide(r.step),
    ...(r.detail !== undefined ? { detail: hide(r.detail) } : {}),
    ...(r.hint !== undefined ? { hint: hide(r.hint) } : {}),
  };
}

/** The whole test: the config, then every check; each line written as soon as it is known. */
export async function doctor(io: Io, opts: DoctorOptions): Promise<number> {
  const started = performance.now();
  let config: VoiceboxConfig;
  try {
    config = readConfig(opts.config);
  } catch (e) {
    const detail = e instanceof ConfigError ? e.message : (e as Error).message;
    const result: CheckResult = {
      area: 'config',
      target: opts.config ?? '(embedded defaults)',
      step: 'read',
      status: 'fail',
      ms: Math.round(performance.now() - started),
      detail: e instanceof ConfigError ? `${e.problems.length} error(s)` : detail,
      hint: 'fix the lines below; voicebox config check shows the rest',
    };
    if (opts.json)
      io.out(`${JSON.stringify({ ok: false, results: [result], errors: detail.split('\n') }, null, 2)}\n`);
    else io.out(`${formatResult(result)}\n${detail}\n`);
    return 2;
  }
  const secrets = secretsOf(config);
  const user = opts.user ?? (config.doctor.user || undefined);
  const configLine: CheckResult = {
    area: 'config',
    target: opts.config ?? '(embedded defaults)',
    step: 'read',
    status: 'ok',
    ms: Math.round(performance.now() - started),
    detail: `directory ${config.directory.type}, mailboxes ${config.mailbox.type}, mail ${config.mail.smtp ? 'smtp' : 'maildir'}`,
  };
  // the width is not known before the end: lines are padded to a width that fits most
  const width = 58;
  const print = (r: CheckResult) => {
    if (!opts.json) io.out(`${formatResult(r, width)}\n`);
  };
  print(configLine);
  const results = [
    configLine,
    ...(
      await runChecks(config, {
        ...(user ? { user } : {}),
        ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}),
        onResult: (r) => print(withoutSecrets(r, secrets)),
      })
    ).map((r) => withoutSecrets(r, secrets)),
  ];
  const failed = results.filter((r) => r.status === 'fail').length;
  if (opts.json) io.out(`${JSON.stringify({ ok: failed === 0, results }, null, 2)}\n`);
  else
    io.out(
      failed === 0
        ? `all ${results.filter((r) => r.status === 'ok').length} checks passed\n`
        : `${failed} of ${results.filter((r) => r.status !== 'skip').length} checks failed\n`,
    );
  return failed === 0 ? 0 : 1;
}

export function doctorCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('doctor')
    .description(
      'test the connections: config, LDAP, IMAP, SMTP, FreeSWITCH, media folder, espeak-ng and sox',
    )
    .option('-c, --config <file>', 'voicebox.yaml (default: the embedded defaults)')
    .option(
      '-u, --user <number|login>',
      'a user to find in the directory and whose mailbox to open (default: doctor.user)',
    )
    .option('--json', 'the results as JSON')
    .addOption(
      new Option(
        '--timeout <ms>',
        "each check's time limit (default: the configured one of that server)",
      ).argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 600_000)
          throw new InvalidArgumentError(`'${v}' is not 1 to 600000 ms`);
        return n;
      }),
    )
    .addHelpText('after', '\nExample:\n  $ voicebox doctor --config voicebox.yaml --user 501')
    .action(async (opts: DoctorOptions) => {
      setExit(await doctor(io, opts));
    });
}
