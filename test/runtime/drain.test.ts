// A stop's drain waits for every call that reached voicebox before the stop: also one whose
// event-socket handshake was still under way (FreeSWITCH had connected, the caller was ringing).
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { replies } from '../../src/esl/index.js';
import { defaultMenuConfig, VoiceboxServer } from '../../src/runtime/index.js';
import { connectReply, RawSwitch } from '../esl/harness.js';
import { silentLogger } from '../support/log.js';
import { textVoice } from '../support/voice.js';

const demo = loadMenus(['examples/demo']).bundle;

let server: VoiceboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('VoiceboxServer: drain', () => {
  it('a call still in its handshake when the stop begins is served, not dropped', async () => {
    server = new VoiceboxServer({
      bundle: demo,
      voice: textVoice,
      actions: new Map(),
      config: defaultMenuConfig,
      mediaRoot: { local: '/nonexistent', freeswitch: '/nonexistent' },
      log: silentLogger,
      port: 0,
      defaultFlow: 'demo',
    });
    const { port } = await server.listen();
    const fs = await RawSwitch.open(port);
    expect(await fs.next()).toBe('connect'); // FreeSWITCH connected; the handshake is under way
    expect(server.activeCalls).toBe(1);

    // the stop as serve does it: drain, then close what is left
    const live = server;
    const stopped = (async () => {
      const left = await live.drain(60_000);
      await live.close();
      return left;
    })();

    fs.send(connectReply('Bob'));
    await fs.nth(3);
    fs.send(replies.commandReply('+OK will linger'));
    fs.send(replies.commandReply('+OK Events Enabled'));
    fs.send(replies.commandReply('+OK event listener enabled plain'));
    // the call goes on: voicebox answers it
    const next = await Promise.race([fs.nth(4), fs.closed.then(() => 'connection closed')]);
    expect(next).toBe('sendmsg');
    expect(Buffer.concat(fs.chunks).toString()).toContain('execute-app-name: answer');

    fs.socket.destroy(); // the caller hangs up: now the drain is over
    expect(await stopped).toBe(0);
  });
});
