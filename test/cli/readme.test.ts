// Every example of the root README.md, read from it at run time and run as a user runs it: in a
// shell, in a fresh folder laid out like this one (the embedded defaults make users.yaml,
// maildir/, spool/ and media/ there), `npx voicebox` being this package's bin. An example the
// README gains fails here until a test runs it or readme-examples.ts lists why none does.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  finished,
  freshFolder,
  notRunUnattended,
  readReadme,
  runExample,
  runInLab,
  spawnAtTerminal,
  spawnShell,
  transcriptPattern,
  waitForOutput,
  type Ran,
} from './readme-examples.js';
import { ensureBuilt } from './serve-support.js';

const readme = readReadme();
const runHere = new Set<string>();
const folders: string[] = [];

function folder(): string {
  const dir = freshFolder();
  folders.push(dir);
  return dir;
}

/** One README command, run by this file: the test fails if the README no longer has it. */
function example(command: string, body: (command: string) => Promise<void>, timeout?: number): void {
  runHere.add(command);
  it(
    command,
    async () => {
      expect(readme.commands, 'the README no longer has this example').toContain(command);
      await body(command);
    },
    timeout,
  );
}

const lines = (out: string): string[] => out.replace(/\r/g, '').trim().split('\n');
const ok = (r: Ran): string => `exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`;

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('README.md: every example is run or listed', () => {
  it('has its examples where this test looks for them', () => {
    expect(readme.commands.length).toBeGreaterThan(10);
    expect(readme.firstCallTranscript.length).toBeGreaterThan(3);
  });

  it('runs each example or says why not', () => {
    const accounted = new Set([...runHere, ...Object.keys(runInLab), ...Object.keys(notRunUnattended)]);
    expect(readme.commands.filter((c) => !accounted.has(c))).toEqual([]);
    // a listed example the README dropped is a stale list
    const listed = [...Object.keys(runInLab), ...Object.keys(notRunUnattended)];
    expect(listed.filter((c) => !readme.commands.includes(c))).toEqual([]);
  });
});

describe('README.md: the two commands', () => {
  const dir = folder();
  let voiceMessage = '';
  let pin = '';

  example(
    'npx voicebox call 501 --from +4989777888 --dtmf 0',
    async (command) => {
      const r = await runExample(command, dir);
      expect(r.code, ok(r)).toBe(0);
      const heard = lines(r.stdout);
      // the transcript the README shows, line for line (its … and ... stand for what it leaves out)
      expect(heard).toHaveLength(readme.firstCallTranscript.length);
      readme.firstCallTranscript.forEach((shown, i) => expect(heard[i]).toMatch(transcriptPattern(shown)));
      const recording = /^record 2\.9s (\S+)$/.exec(heard.find((l) => l.startsWith('record ')) ?? '');
      expect(recording?.[1]?.startsWith(join(dir, 'media', 'recordings') + '/'), heard.join('\n')).toBe(true);
      // the recording itself is gone once its mail is delivered: the voice lives in the mailbox
      expect(existsSync(recording![1]!)).toBe(false);

      // the message in maildir/alice/new/, beside the welcome mail with her new PIN
      const inbox = join(dir, 'maildir', 'alice', 'new');
      const mails = await Promise.all(
        readdirSync(inbox).map(async (file) => ({
          file,
          mail: await simpleParser(readFileSync(join(inbox, file))),
        })),
      );
      const types = mails.map((m) => m.mail.headers.get('x-voicebox-type'));
      expect(types.sort()).toEqual(['voice', 'welcome']);
      const voice = mails.find((m) => m.mail.headers.get('x-voicebox-type') === 'voice')!;
      expect(voice.mail.headers.get('x-voicebox-caller')).toBe('+4989777888');
      const wav = voice.mail.attachments.find((a) => a.contentType === 'audio/wav');
      // three seconds spoken: 2.9 s recorded (8 kHz, 16 bit) is in the mail
      expect(wav?.content.length ?? 0).toBeGreaterThan(2.9 * 16000);
      voiceMessage = voice.file;
      const welcome = mails.find((m) => m.mail.headers.get('x-voicebox-type') === 'welcome')!;
      pin = /PIN\D*(\d{4,})/.exec(welcome.mail.text ?? '')?.[1] ?? '';
      expect(pin, welcome.mail.text).not.toBe('');
    },
    60_000,
  );

  example(
    'npx voicebox call 501 --from +4989222222 --dtmf "*,<PIN>#,1,1,7,*,#"',
    async (command) => {
      expect(pin, 'the first call left no welcome mail with a PIN').not.toBe('');
      const r = await runExample(command.replace('<PIN>', pin), dir);
      expect(r.code, ok(r)).toBe(0);
      const heard = lines(r.stdout);
      // which profile answered, then star during the greeting
      expect(heard[0]).toMatch(/^profile \S+ \(\S+\)$/);
      expect(heard[1]).toMatch(/^play standard_greeting /);
      expect(heard[2]).toBe('dtmf *');
      expect(heard.join('\n')).toContain(`dtmf #\nplay main_menu `);
      // 1 for her messages: the summary names both, and the choice of kinds offers both
      expect(heard).toContain('play you_have "Sie haben eine neue Sprachnachricht und eine neue E-Mail."');
      const kinds = heard.findIndex((l) => l.startsWith('play key_voice_messages+key_emails+'));
      expect(kinds, heard.join('\n')).toBeGreaterThan(0);
      expect(heard[kinds + 1]).toBe('dtmf 1');
      // 1 for the voice messages: she hears the message the first call left …
      const played = heard.find((l) => /^play \/\S+\.wav$/.test(l)) ?? '';
      expect(played, heard.join('\n')).toContain(voiceMessage.split(',')[0]);
      // … and 7 deletes it: out of her inbox
      // (looked for after the message: her PIN is random and may start with a 7)
      const deleted = heard.indexOf('dtmf 7', heard.indexOf(played));
      expect(deleted, heard.join('\n')).toBeGreaterThan(heard.indexOf(played));
      expect(heard[deleted + 1]).toMatch(/^play message_deleted /);
      const inboxNow = ['new', 'cur'].flatMap((f) => readdirSync(join(dir, 'maildir', 'alice', f)));
      expect(inboxNow.filter((f) => f.startsWith(voiceMessage.split(',')[0]!))).toEqual([]);
      // no more voice messages; the choice of kinds offers the e-mail alone; star to the main
      // menu, hash hangs up
      const after = heard.slice(deleted + 2);
      const story = `README: "7 deletes it, star to the main menu, hash hangs up"; after 7 the call went on:\n${after.join('\n')}`;
      expect(
        after.filter((l) => l.startsWith('dtmf ')),
        story,
      ).toEqual(['dtmf *', 'dtmf #']);
      expect(after[0], story).toMatch(/^play no_more_voice_messages /);
      expect(after[1], story).toMatch(/^play key_emails\+key_main_menu /);
      const star = after.indexOf('dtmf *');
      expect(after[star + 1], story).toMatch(/^play main_menu /);
      expect(after.slice(after.lastIndexOf('dtmf #') + 1), story).toEqual([
        expect.stringMatching(/^play goodbye /),
        'hangup NORMAL_CLEARING',
      ]);
    },
    60_000,
  );
});

describe('README.md: trying it', () => {
  example('npx voicebox validate menus/', async (command) => {
    const r = await runExample(command, folder());
    expect(r.code, ok(r)).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ files/);
  });

  example(
    'npx voicebox graph menus/voicebox.ivr --format dot | dot -Tsvg > voicebox.svg',
    async (command) => {
      const dir = folder();
      const r = await runExample(command, dir);
      expect(r.code, ok(r)).toBe(0);
      const svg = readFileSync(join(dir, 'voicebox.svg'), 'utf8');
      expect(svg).toContain('<svg');
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      // what went into the pipe: DOT
      const dot = await runExample(command.split('|')[0]!.trim(), dir);
      expect(dot.code, ok(dot)).toBe(0);
      expect(dot.stdout.trimStart()).toMatch(/^digraph\b/);
    },
    // two runs of the command and a Graphviz render: a busy machine takes longer than one run's limit
    60_000,
  );

  example('npx voicebox graph menus/ --menu inquiry.messages --format mermaid', async (command) => {
    const r = await runExample(command, folder());
    expect(r.code, ok(r)).toBe(0);
    expect(r.stdout.trimStart()).toMatch(/^(flowchart|graph) (TD|TB|LR|RL|BT)\n/);
    expect(lines(r.stdout).length).toBeGreaterThan(3);
  });

  example('npx voicebox compile menus/ -o bundle.json', async (command) => {
    const dir = folder();
    const r = await runExample(command, dir);
    expect(r.code, ok(r)).toBe(0);
    const bundle = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as {
      format?: string;
      flows?: Record<string, unknown>;
    };
    expect(bundle.format).toBe('voicebox-ivr-bundle');
    expect(Object.keys(bundle.flows ?? {})).toContain('voicebox');
  });

  example('npx voicebox call 100 --menu examples/demo --dtmf 3,1,#', async (command) => {
    const r = await runExample(command, folder());
    expect(r.code, ok(r)).toBe(0);
    const heard = lines(r.stdout);
    // keys for one menu each: each group answers the menu that asks next
    expect(heard.filter((l) => l.startsWith('dtmf '))).toEqual(['dtmf 3', 'dtmf 1', 'dtmf #']);
    expect(heard[heard.indexOf('dtmf 3') + 1]).toMatch(/^play your_number_is/);
    expect(heard[heard.indexOf('dtmf 1') + 1]).toMatch(/^play the_time_is/);
    expect(heard.slice(heard.indexOf('dtmf #') + 1)).toEqual([
      expect.stringMatching(/^play goodbye /),
      'hangup NORMAL_CLEARING',
    ]);
  });

  example(
    'npx voicebox call 501',
    async (command) => {
      // at a terminal (a pseudo-terminal from util-linux `script`): the keys typed are the keypad
      const call = spawnAtTerminal(command, folder());
      const done = finished(call);
      // typed when the greeting starts and when the tone sounds: 0 skips to the tone, q hangs up
      const keys: Array<{ after: RegExp; key: string }> = [
        { after: /^play standard_greeting /m, key: '0' },
        { after: /^tone\r?$/m, key: 'q' },
      ];
      let typed = '';
      let out = '';
      call.stdout!.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        while (keys[0]?.after.test(out)) {
          const { key } = keys.shift()!;
          typed += key;
          call.stdin!.write(key);
        }
      });
      const r = await done;
      call.stdin!.end();
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const heard = lines(r.stdout);
      expect(heard[0]).toMatch(/^keys 0-9 \* # are sent as you type them/);
      expect(heard.slice(1, 5)).toEqual([
        expect.stringMatching(/^profile \S+ \(\S+\)$/),
        expect.stringMatching(/^play standard_greeting /),
        'dtmf 0',
        'tone',
      ]);
      expect(heard.at(-1)).toMatch(/^hangup NORMAL_CLEARING \(caller\)$/);
      expect(typed).toBe('0q');
    },
    60_000,
  );

  example('npx voicebox call 501 --hangup-after 2 --json', async (command) => {
    const r = await runExample(command, folder());
    expect(r.code, ok(r)).toBe(0);
    const events = lines(r.stdout).map((l) => JSON.parse(l) as { kind: string; by?: string });
    // which profile answered (the default caller is internal), then what she hears
    expect(events[0]).toMatchObject({ kind: 'profile', profile: 'internal', reason: 'internal' });
    expect(events[1]?.kind).toBe('prompt');
    expect(events.at(-1)).toMatchObject({ kind: 'hangup', by: 'caller' });
  });

  example(
    'npx voicebox prompts build --catalogs menus/prompts',
    async (command) => {
      const dir = folder();
      const r = await runExample(command, dir);
      expect(r.code, ok(r)).toBe(0);
      const catalogs = readdirSync(join(dir, 'menus', 'prompts')).filter((f) => f.endsWith('.yaml'));
      const reports = lines(r.stderr).filter((l) => /^\w+: \d+ prompts/.test(l));
      expect(reports.map((l) => l.split(':')[0]).sort()).toEqual(catalogs.map((f) => f.slice(0, -5)).sort());
      for (const report of reports) expect(report).toMatch(/, 0 failed,/);
      for (const lang of catalogs.map((f) => f.slice(0, -5)))
        expect(readdirSync(join(dir, 'media', 'tts', lang)).some((f) => f.endsWith('.wav'))).toBe(true);
    },
    180_000,
  );

  // the sample config the next examples use: made by the README's own line, once
  const makeConfig = 'npx voicebox config example > voicebox.yaml';
  let configDir: string | undefined;
  const configFolder = async (): Promise<string> => {
    if (configDir) return configDir;
    const dir = folder();
    const r = await runExample(makeConfig, dir);
    expect(r.code, ok(r)).toBe(0);
    configDir = dir;
    return dir;
  };

  example(makeConfig, async () => {
    const dir = await configFolder();
    const text = readFileSync(join(dir, 'voicebox.yaml'), 'utf8');
    // every key commented out at its default: the file is a valid config that changes nothing
    expect(text).toMatch(/^\s*# listen: 127\.0\.0\.1:8084$/m);
    expect(text).toMatch(/^\s*# trustMobile: false$/m);
  });

  example('npx voicebox config check --config voicebox.yaml', async (command) => {
    const dir = await configFolder();
    const r = await runExample(command, dir);
    expect(r.code, ok(r)).toBe(0);
    // the settings in effect, paths made absolute against the config's folder
    expect(r.stdout).toContain(join(dir, 'users.yaml'));
  });

  for (const command of readme.commands.filter((c) => /^npx voicebox serve\b/.test(c))) {
    // `serve [--config voicebox.yaml]` in the prose: its bare form here, the other in the block
    const form = command.replace(/\s*\[[^\]]*\]/g, '');
    example(
      command,
      async () => {
        const dir = form.includes('--config voicebox.yaml') ? await configFolder() : folder();
        const serve = spawnShell(form, dir, { exec: true, ownNetwork: true });
        const done = finished(serve);
        const listening = await waitForOutput(serve, /listening for FreeSWITCH on (\S+)/);
        if (listening === null) {
          const r = await done;
          expect.fail(`\`${form}\` in a fresh folder did not start: ${ok(r)}`);
        }
        // the README: serve listens on 127.0.0.1:8084 (unless the config says otherwise)
        if (!form.includes('--config'))
          expect(listening).toContain('listening for FreeSWITCH on 127.0.0.1:8084');
        serve.kill('SIGTERM');
        const r = await done;
        expect(r.code, ok(r)).toBe(0);
      },
      60_000,
    );
  }
});

// the install commands leave what the examples need: check it, so a missing tool is named here
describe('README.md: what the install part leaves', () => {
  it('has espeak-ng, sox and graphviz on PATH', () => {
    const path = (process.env['PATH'] ?? '').split(':');
    for (const tool of ['espeak-ng', 'sox', 'dot'])
      expect(
        path.some((p) => existsSync(join(p, tool))),
        tool,
      ).toBe(true);
  });
});
