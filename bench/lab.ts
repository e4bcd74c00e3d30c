// What the benches against real servers share: a private lab (lab/lab.sh with its own
// state file and temp dir) that is taken down afterwards, its slapd as a directory, a silent
// logger and a voice whose prompts take 20 ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LDAP_ATTRIBUTES, DEFAULT_LDAP_FILTER, LdapDirectory } from '../src/directory/index.js';
import type { Voice } from '../src/runtime/index.js';

export interface PrivateLab<State> {
  readonly lab: State;
  /** a temp folder for the bench's own files, removed by down() */
  readonly work: string;
  down(): void;
}

/** Brings a lab up, or prints why the bench is skipped and exits. */
export function privateLab<State>(bench: string): PrivateLab<State> {
  const work = mkdtempSync(join(tmpdir(), `voicebox-bench-${bench}-`));
  const stateFile = join(work, 'lab.json');
  const env = { ...process.env, LAB_STATE: stateFile, LAB_CONFIG: join(work, 'voicebox.yaml') };
  try {
    execFileSync('bash', ['lab/lab.sh', 'up'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    console.log(
      `${bench}: skipped — the lab could not start (needs root and slapd, dovecot, postfix: bash test/run installs them)`,
    );
    console.log(`  ${String((e as { stderr?: Buffer }).stderr ?? e).split('\n')[0]}`);
    rmSync(work, { recursive: true, force: true });
    process.exit(0);
  }
  return {
    lab: JSON.parse(readFileSync(stateFile, 'utf8')) as State,
    work,
    down() {
      execFileSync('bash', ['lab/lab.sh', 'down'], { env, stdio: 'ignore' });
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The lab's slapd as voicebox's directory, with its entries cached for `cacheTtlMs`. */
export function labDirectory(
  ldap: { bindDn: string; bindPassword: string; baseDn: string; servers: Array<{ url: string }> },
  cacheTtlMs: number,
): LdapDirectory {
  return new LdapDirectory({
    servers: ldap.servers.map((s) => s.url),
    bindDn: ldap.bindDn,
    bindPassword: ldap.bindPassword,
    baseDn: ldap.baseDn,
    filter: DEFAULT_LDAP_FILTER,
    attributes: DEFAULT_LDAP_ATTRIBUTES,
    cacheTtlMs,
  });
}

export const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

export const shortVoice: Voice = {
  promptText: (id) => id,
  render: async (text) => ({ freeswitchPath: `silence_stream://20?${text}` }),
};
