// The dial policy against toll fraud, with the lab's directory: the owner cannot make a
// premium-rate or foreign number her transfer target by phone, and a refused target already
// in the directory is never dialled for a caller — who leaves a message instead.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Attribute, Change } from 'ldapts';
import { compileFiles, parse } from '../../../dsl/index.js';
import { YamlDirectory } from '../../../src/directory/index.js';
import { MailSpool, smtpTransport } from '../../../src/mail/index.js';
import { MaildirMailboxStore } from '../../../src/mailbox/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { defaultMenuConfig, VoiceboxServer, type RuntimeLogger } from '../../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../../src/sim/index.js';
import { startVoicebox, testActions, type Voicebox } from '../../actions/support.js';
import { callEvents } from '../../support/calls.js';
import { nth } from '../../support/dialogue.js';
import { textVoice } from '../../support/voice.js';
import { catalogs } from '../../dsl/helpers.js';
import { asLdapAdmin, labDirectory, values } from '../lab/support.js';

const lab = inject('lab');
const WANG = 'uid=wang,ou=sales,dc=example,dc=com';
const PROFILES = ['work', 'mobile', 'home', 'vacation', 'custom1', 'custom2', 'internal'];
let seeded: string[] = [];
let box: Voicebox;
const lines: { level: string; obj: object; msg: string | undefined }[] = [];
const log: RuntimeLogger = {
  info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  debug: () => undefined,
  child: () => log,
};

async function wangsSettings() {
  const directory = labDirectory(lab);
  try {
    return (await directory.findByNumber(['+49301234505']))!.settings;
  } finally {
    await directory.close();
  }
}

beforeAll(async () => {
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    const { searchEntries } = await c.search(WANG, { scope: 'base', attributes: ['voiceboxUserData'] });
    seeded = values(searchEntries[0], 'voiceboxUserData');
  });
  const setup = labDirectory(lab);
  const wang = await setup.findByNumber(['+49301234505']);
  const pinHash = await hashPin('1357');
  await setup.updateSettings(wang!, (s) => ({ ...s, pinHash, wrongPinCount: 0 }));
  await setup.close();
  box = await startVoicebox({
    directory: labDirectory(lab),
    transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    welcome: { enabled: false },
    log,
  });
});

afterAll(async () => {
  await box?.close();
  await asLdapAdmin(lab, lab.ldap.servers[0].url, (c) =>
    c.modify(
      WANG,
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'voiceboxUserData', values: seeded }),
      }),
    ),
  );
});

describe('the transfer target', () => {
  it('set by phone: 0900… and 00… are refused with a reason, a national number is saved', async () => {
    const r = await box.call(
      new ScriptedCaller({ number: '+4989444777', dialed: '505' })
        .pressWhilePlaying(/standard_greeting|press_1_or_2/, '*', 300)
        .pressWhilePlaying(/enter_pin/, '1357#', 300)
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 1), '2', 300)
        .pressWhilePlaying(nth(/key_profiles/, 1), '5', 300)
        .pressWhilePlaying(nth(/enter_transfer_number/, 1), '09001234567#', 300)
        .pressWhilePlaying(nth(/enter_transfer_number/, 2), '00442071234567#', 300)
        .pressWhilePlaying(nth(/enter_transfer_number/, 3), '030 9876543#', 300)
        .pressWhilePlaying(nth(/key_profiles/, 2), '*', 300)
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 2), '#', 300),
    );
    // Wang's language is English: after her login everything is in her language
    expect(r.said.filter((s) => s === 'en:number_not_allowed')).toHaveLength(2);
    expect(r.said).toContain('en:setting_saved');
    const reasons = lines
      .filter((l) => l.msg === 'transfer target refused by the dial policy')
      .map((l) => (l.obj as { reason: string }).reason);
    expect(reasons).toEqual(['premium numbers are denied', 'international numbers are denied']);
    const targets = Object.values((await wangsSettings()).profiles).map((p) => p.transferTo);
    expect(targets).toContain('+49 30 9876543');
    expect(targets.filter((t) => t?.includes('900') || t?.startsWith('+44'))).toEqual([]);
  });

  it('a premium target already in the directory: the caller is not connected, and leaves a message', async () => {
    const setup = labDirectory(lab);
    const wang = await setup.findByNumber(['+49301234505']);
    await setup.updateSettings(wang!, (s) => ({
      ...s,
      profiles: Object.fromEntries(PROFILES.map((p) => [p, { transferTo: '+49 900 1234567' }])),
    }));
    await setup.close();
    lines.length = 0;
    const r = await box.call(
      new ScriptedCaller({ number: '+4930555123', dialed: '505' })
        .pressWhilePlaying(/standard_greeting|press_1_or_2/, '2', 300)
        .pressDuring('record', '#', 200),
    );
    expect(r.events.filter((e) => e.kind === 'transfer')).toEqual([]);
    expect(r.said).not.toContain('de:connecting');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'transfer target refused by the dial policy: no transfer offered',
        obj: expect.objectContaining({ reason: 'premium numbers are denied' }),
      }),
    );
  });
});

describe('every dial-out', () => {
  it('a menu that connects a typed number without asking: the runtime asks the policy, nothing is dialled', async () => {
    const parsed = parse(
      't.ivr',
      `languages {\n  default en\n  offer en\n}\nflow f {\n  menu m {\n    say hello\n    input n 3 to 20 digits end hash {\n      connect to n\n        on failed {\n          say thanks\n        }\n      hang up\n    }\n  }\n}\n`,
    );
    const { bundle, diagnostics } = compileFiles([parsed.file], catalogs());
    expect([...parsed.diagnostics, ...diagnostics].filter((d) => d.severity === 'error')).toEqual([]);
    const media = mkdtempSync(join(tmpdir(), 'voicebox-dial-'));
    const location = {
      countryCode: '49',
      areaCode: '30',
      subscriberBase: '1234',
      extensionLength: 3,
      outsideLinePrefix: '0',
    };
    const actions = testActions({
      bundle,
      directory: new YamlDirectory({ file: 'examples/users.yaml' }),
      mailboxes: new MaildirMailboxStore({
        root: media,
        folder: 'INBOX',
        trash: 'Trash',
        deleteMode: 'trash',
      }),
      spool: new MailSpool({ dir: join(media, 'spool'), send: async () => undefined }),
      media,
      location,
    });
    lines.length = 0;
    const { events, onCall } = callEvents();
    const server = new VoiceboxServer({
      bundle,
      voice: textVoice,
      actions,
      config: defaultMenuConfig,
      mediaRoot: { local: media, freeswitch: media },
      log,
      port: 0,
      defaultFlow: 'f',
      onCall,
    });
    const { host, port } = await server.listen();
    const sim = new Simulator({ missingFiles: 'default-length' });
    try {
      const dial = async (digits: string) => {
        const report = await sim.runCall(
          new ScriptedCaller({ number: '+4930555123', dialed: '100' }).pressWhilePlaying(
            /hello/,
            `${digits}#`,
            300,
          ),
          { target: `${host}:${port}` },
        );
        return (events.get(report.uuid) ?? []).flatMap((e) => (e.kind === 'transfer' ? [e.target] : []));
      };
      expect(await dial('09001234567')).toEqual([]);
      expect(await dial('0044207123456')).toEqual([]);
      // the trunk 0 after the country code (carriers drop it: premium) and short service numbers
      expect(await dial('004909001234567')).toEqual([]);
      expect(await dial('11833')).toEqual([]);
      expect(await dial('110')).toEqual([]);
      expect(lines.filter((l) => l.msg === 'dial refused by the dial policy')).toHaveLength(5);
      // what is dialled is the number the policy approved, not the digits typed
      expect(await dial('0309876543')).toEqual(['user/+49309876543']);
      expect(await dial('501')).toEqual(['user/+49301234501']);
    } finally {
      await server.close();
      await sim.close();
    }
  });
});
