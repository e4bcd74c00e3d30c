// A caller's voice lives only in the owner's mailbox: once a message is delivered, neither
// its recording nor the copy fetched to play it to the owner is left in the media folder.
// Over TCP, against the embedded defaults (users.yaml, the spool, Maildir delivery).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedCaller } from '../../src/sim/index.js';
import { ownerCalls, quickMessage } from '../actions/support.js';
import { nth, prompt } from '../support/dialogue.js';
import { giveAlicePin, PIN } from '../support/owners.js';
import { serveEmbedded, type Served } from './served.js';

let box: Served | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** Dials Alice's 501, presses 0 during the greeting, talks 3 s and presses #. */
const leavesMessage = (): ScriptedCaller => quickMessage('501');

const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

function recordingOf(events: Array<{ kind: string }>, media: string): string {
  const rec = events.find((e): e is { kind: 'record'; file: string } => e.kind === 'record');
  expect(rec, 'a recording was made').toBeDefined();
  return join(media, 'recordings', rec!.file.split('/').at(-1)!);
}

describe("callers' voices are deleted once they have served", () => {
  it('a delivered message leaves no recording; the owner hears it and no copy of it stays', async () => {
    box = await serveEmbedded();
    const left = await box.call(leavesMessage());
    expect(await box.voiceMails('alice')).toHaveLength(1);
    expect(files(join(box.media, 'recordings'))).toEqual([]);
    expect(existsSync(recordingOf(left.events, box.media))).toBe(false);

    // Alice logs in with her PIN, chooses her voice messages, hears the message (fetched into
    // media/inbox/<call>) and hangs up
    await giveAlicePin(box.services.directory);
    const heard = await box.call(
      ownerCalls('+4989777888', [PIN], (c) =>
        c
          .pressWhilePlaying(nth(prompt('main_menu'), 1), '1', 300)
          .pressWhilePlaying(nth(prompt('key_voice_messages'), 1), '1', 300)
          .pressWhilePlaying(nth(prompt('key_repeat_message'), 1), '*', 300)
          .pressWhilePlaying(nth(prompt('main_menu'), 2), '#', 300),
      ),
    );
    const played = heard.events.find(
      (e): e is { kind: 'audio'; file: string } => e.kind === 'audio' && e.file.includes('/inbox/'),
    );
    expect(played, 'the message was played from its copy').toBeDefined();
    expect(existsSync(played!.file)).toBe(false);
    expect(files(join(box.media, 'inbox'))).toEqual([]);
    expect(files(join(box.media, 'recordings'))).toEqual([]);
  });

  it('while the mail cannot be delivered the recording stays; once delivered it goes', async () => {
    // the Maildir lies below a file: every delivery fails until the file is gone
    box = await serveEmbedded({
      configure: (config, dir) => {
        writeFileSync(join(dir, 'blocked'), '');
        config.mail.maildir = join(dir, 'blocked', 'maildir');
      },
    });
    const { events } = await box.call(leavesMessage());
    const recording = recordingOf(events, box.media);
    await box.services.spool.flush();
    expect(box.services.spool.pending()).toContain(basename(recording, '.wav'));
    expect(existsSync(recording), 'kept while the message waits in the spool').toBe(true);

    rmSync(join(box.dir, 'blocked'));
    mkdirSync(join(box.dir, 'blocked'));
    await box.services.spool.flush();
    expect(box.services.spool.pending()).toEqual([]); // the message and the welcome mail
    expect(files(join(box.dir, 'blocked', 'maildir', 'alice', 'new')).length).toBeGreaterThan(0);
    expect(existsSync(recording)).toBe(false);
  });

  it('a message the spool cannot take (disk full) keeps its recording, and the log says where', async () => {
    box = await serveEmbedded();
    const refused: string[] = [];
    const spool = box.services.spool;
    const enqueue = spool.enqueue.bind(spool);
    // the welcome mail still fits; the voice message finds the disk full
    spool.enqueue = async (message, id) => {
      if (id?.startsWith('welcome-')) return enqueue(message, id);
      refused.push(id!);
      throw Object.assign(
        new Error(`${id} could not be saved in the spool: ENOSPC: no space left on device`),
        {
          code: 'ENOSPC',
        },
      );
    };
    const { events } = await box.call(leavesMessage());
    const recording = recordingOf(events, box.media);
    expect(refused).toEqual([basename(recording, '.wav')]);
    expect(existsSync(recording), 'the only copy of what the caller said').toBe(true);
    expect(box.log).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: `message not sent; the recording is kept at ${recording}`,
      }),
    );
    // the hourly sweep leaves it to the admin too
    await box.services.recordings.sweep();
    expect(existsSync(recording)).toBe(true);
  });

  it('a greeting the owner records again: neither the dropped take nor the saved one stays, nothing is logged as lost', async () => {
    box = await serveEmbedded();
    await giveAlicePin(box.services.directory);
    const { events } = await box.call(
      ownerCalls('+4989777888', [PIN])
        .pressWhilePlaying(nth(prompt('main_menu'), 1), '2', 300)
        .pressWhilePlaying(nth(prompt('key_profiles'), 1), '2', 300)
        .pressWhilePlaying(nth(prompt('key_record_greeting'), 1), '1', 300)
        .pressWhilePlaying(nth(prompt('keep_or_record_again'), 1), '2', 300)
        .pressWhilePlaying(nth(prompt('keep_or_record_again'), 2), '1', 300)
        .pressWhilePlaying(nth(prompt('key_record_greeting'), 2), '*', 300)
        .pressWhilePlaying(nth(prompt('key_profiles'), 2), '*', 300)
        .pressWhilePlaying(nth(prompt('main_menu'), 2), '#', 300)
        .pressDuring('record', '#', 2000),
    );
    expect(events.filter((e) => e.kind === 'record')).toHaveLength(2);
    expect(box.log.map((l) => l.msg)).toContain('greeting saved');
    expect(files(join(box.media, 'recordings'))).toEqual([]);
    expect(box.log.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a caller who hangs up at the tone leaves no file', async () => {
    box = await serveEmbedded();
    const { events } = await box.call(
      new ScriptedCaller({ number: '+4930555123', dialed: '501' })
        .pressWhilePlaying(prompt('standard_greeting'), '0', 500)
        .hangupDuring('record', 0),
    );
    expect(events.find((e) => e.kind === 'record')).toMatchObject({ ms: 0, hungUp: true });
    expect(files(join(box.media, 'recordings'))).toEqual([]);
    expect(await box.voiceMails('alice')).toEqual([]);
  });
});
