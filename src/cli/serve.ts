// `voicebox serve`: the call server FreeSWITCH's `socket` application connects to.
import { Command } from 'commander';
import {
  ConfigError,
  listenAddress,
  readConfig,
  type ListenAddress,
  type VoiceboxConfig,
} from '../config/index.js';
import { InboundLink } from '../esl/index.js';
import { VoiceboxServer, type Release, type RuntimeLogger } from '../runtime/index.js';
import type { MediaRoot, Renderer } from '../speech/index.js';
import { ControlServer, controlSocketPath, type ControlStatus, type SwitchAnswer } from './control.js';
import type { Io } from './menus.js';
import { ensureReleaseDir, liveRelease, readRelease } from './releases.js';
import {
  compileMenus,
  logger,
  logPrepared,
  mediaFromFlag,
  menusPath,
  MenusInvalid,
  runtimeFrom,
  speechRenderer,
  type LoadedRuntime,
} from './runtime.js';
import { connectionLimit } from './file-limit.js';
import { installSafetyNet } from './safety-net.js';
import { buildServices, type Services } from './services.js';
import { startMetrics } from './metrics.js';
import type { WebDeps } from '../web/index.js';
import { webDepsFrom } from './web.js';

/**
 * The web page's server, loaded only when web.listen is set: a serve without it never reads
 * Fastify and its plug-ins (fewer files opened at start, see bin/voicebox.js). What fails names
 * the setting to look at (web.listen, web.tlsCert, web.sessionKeyFile …).
 */
async function startWebPage(
  deps: WebDeps,
  log: RuntimeLogger,
): Promise<{ address: string; close(): Promise<void> }> {
  const web = await import('../web/index.js');
  try {
    return await web.startWeb(deps, log);
  } catch (e) {
    if (e instanceof web.WebConfigError) throw e;
    const why = `the web page (web.listen ${deps.config.web.listen}) did not start: ${(e as Error).message}`;
    throw new Error(why, { cause: e });
  }
}

/** how long a stop waits, after the calls, for mail sends under way (freeswitch/voicebox.service) */
const SPOOL_STOP_MS = 10_000;

const isLoopback = (host: string): boolean =>
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === '[::1]' || host === 'localhost';

function listenFlag(value: string): ListenAddress {
  const address = listenAddress(value);
  if (!address || address.port > 65535)
    throw new Error(`--listen: expected HOST:PORT such as 127.0.0.1:8084, got '${value}'`);
  return address;
}

/** The menus serve runs now: the live release, else the menus folder compiled at start (release 0). */
async function loadLive(
  deployDir: string,
  menus: string | undefined,
  media: MediaRoot,
  renderer: Renderer,
): Promise<{ id: string; runtime: LoadedRuntime }> {
  const live = liveRelease(deployDir);
  if (live === undefined) {
    const compiled = compileMenus(menusPath(menus));
    return { id: '0', runtime: await runtimeFrom({ ...compiled, media, renderer }) };
  }
  const stored = readRelease(deployDir, live);
  return { id: String(live), runtime: await runtimeFrom({ ...stored, media, renderer }) };
}

/**
 * The releases serve runs: the one new calls get, and a switch to whatever `live` names now,
 * built and checked whole before it replaces the current one (a failing load changes nothing).
 */
class Releases {
  private switching: Promise<unknown> = Promise.resolve();

  constructor(
    private current: Release,
    private readonly services: Services,
    private readonly deployDir: string,
    private readonly load: () => Promise<{ id: string; runtime: LoadedRuntime }>,
    private readonly log: RuntimeLogger,
  ) {}

  get live(): Release {
    return this.current;
  }

  /** One switch at a time: two deploys in a row switch in their order. */
  switch(): Promise<SwitchAnswer> {
    const next = this.switching.then(() => this.switchNow());
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async switchNow(): Promise<SwitchAnswer> {
    try {
      const { id, runtime } = await this.load();
      if (id === this.current.id) return { ok: true, release: id };
      logPrepared(this.log, runtime.prepared);
      const release: Release = {
        id,
        bundle: runtime.bundle,
        voice: runtime.voice,
        actions: this.services.actionsFor(runtime.bundle),
        prepared: runtime.prepared,
      };
      const from = this.current.id;
      this.current = release;
      this.log.info(
        { release: id, from, flows: Object.keys(runtime.bundle.flows) },
        'new calls run the new release',
      );
      return { ok: true, release: id };
    } catch (e) {
      const error = e instanceof MenusInvalid ? `the menus have errors:\n${e.report}` : (e as Error).message;
      this.log.error(
        { err: error, live: this.current.id, deployDir: this.deployDir },
        'release switch failed: the live release stays',
      );
      return { ok: false, error };
    }
  }
}

export function serveCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description(
      'accept calls from FreeSWITCH (dialplan: socket 127.0.0.1:8084 async full) and run the menus',
    )
    .option('--config <file>', 'YAML settings (default: embedded defaults: example users, Maildir, no SMTP)')
    .option(
      '--listen <host:port>',
      'where FreeSWITCH connects (default 127.0.0.1:8084); another address than loopback needs freeswitch.token and a firewall (freeswitch/README.md)',
    )
    .option('--menus <path>', 'menu folder (default: the shipped menus)')
    .option(
      '--media <dir>',
      'media folder shared with FreeSWITCH, at the same path for both (default: media.local of the config, else ./media); refused when the config sets another media.freeswitch',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox serve\n  $ voicebox serve --config /etc/voicebox/voicebox.yaml\n  $ voicebox serve --menus examples/demo --listen 127.0.0.1:8085',
    )
    .action(async (opts: { config?: string; listen?: string; menus?: string; media?: string }) => {
      // whatever serve creates (speech cache, mail, logs) is for us and FreeSWITCH's group, not
      // for every account on the host; files with voices, PINs or settings get explicit modes too
      process.umask(0o027);
      let config: VoiceboxConfig;
      try {
        config = readConfig(opts.config);
        if (opts.listen) config.freeswitch.listen = listenFlag(opts.listen);
        if (opts.media) config.media = mediaFromFlag(config.media, opts.media);
      } catch (e) {
        io.err(
          `voicebox serve: ${e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message}\n`,
        );
        return setExit(2);
      }
      const log = logger(config.log.level, 'stderr');
      const { host, port } = config.freeswitch.listen;
      if (!isLoopback(host) && !config.freeswitch.token)
        log.warn(
          { listen: `${host}:${port}` },
          `listening on ${host}:${port} without freeswitch.token: anyone who reaches this port can ` +
            'pose as FreeSWITCH, claim any caller number and reach mailboxes; set freeswitch.token ' +
            '(and voicebox_token in the dialplan) and firewall the port to the FreeSWITCH hosts',
        );
      const safetyNet = installSafetyNet(log);
      const deployDir = config.deploy.dir;
      let control: ControlServer | undefined;
      try {
        // one serve per deploy.dir: refused before anything else starts
        ensureReleaseDir(deployDir);
        // filled in as serve starts; the control socket answers "starting" until then
        const state: { releases?: Releases; server?: VoiceboxServer } = {};
        control = await ControlServer.listen(controlSocketPath(deployDir), {
          switch: () =>
            state.releases
              ? state.server?.draining
                ? Promise.resolve({ ok: false, error: 'serve is stopping' })
                : state.releases.switch()
              : Promise.resolve({ ok: false, error: 'serve is still starting' }),
          status: (): ControlStatus | SwitchAnswer => {
            const { releases, server } = state;
            if (!releases || !server) return { ok: false, error: 'serve is still starting' };
            const calls = server.callsByRelease;
            const live = releases.live.id;
            const ids = [...new Set([live, ...calls.keys()])].sort((a, b) => Number(a) - Number(b));
            return {
              ok: true,
              live,
              releases: ids.map((id) => ({ id, calls: calls.get(id) ?? 0 })),
              draining: server.draining,
            };
          },
        });
        const renderer = await speechRenderer({
          media: config.media,
          speech: config.speech,
        });
        const load = () => loadLive(deployDir, opts.menus ?? config.menus, config.media, renderer);
        const first = await load();
        const runtime = first.runtime;
        logPrepared(log, runtime.prepared);
        // the notifications' way to FreeSWITCH (the lamps); started once calls are served
        const inbound = config.freeswitch.inbound
          ? new InboundLink({ ...config.freeswitch.inbound, events: ['MESSAGE_QUERY'], logger: log })
          : undefined;
        // metrics and health (metrics.listen): /health answers `starting` (503) until calls are served
        const metrics = await startMetrics(config, log);
        const services = await buildServices(config, runtime.bundle, runtime.mediaRoot, log, {
          lampLink: inbound,
          linkEvents: inbound,
          metrics: metrics?.metrics,
        });
        const serving = new Releases(
          {
            id: first.id,
            bundle: runtime.bundle,
            voice: runtime.voice,
            actions: services.actions,
            prepared: runtime.prepared,
          },
          services,
          deployDir,
          load,
          log,
        );
        state.releases = serving;
        // what calls before this start left on the media disk (a crash, a kill), then hourly for
        // the retention; what a running call (here or on another node) still uses is too young
        await services.recordings.sweep();
        const sweeps = setInterval(() => void services.recordings.sweep(), 60 * 60_000);
        sweeps.unref();
        // the owners' web page (web.listen): on the live release, beside the calls
        const web = config.web.listen
          ? await startWebPage(
              webDepsFrom(config, services, {
                bundle: () => serving.live.bundle,
                actions: () => serving.live.actions,
                media: runtime.mediaRoot,
                log,
              }),
              log,
            ).catch(async (e: unknown) => {
              // what started so far stops, so serve ends with the error instead of hanging on
              clearInterval(sweeps);
              await services.spool.stop(SPOOL_STOP_MS);
              await services.close();
              await metrics?.close();
              throw e;
            })
          : undefined;
        const maxConnections = connectionLimit(config.freeswitch.maxConnections, log);
        const server = new VoiceboxServer({
          release: () => serving.live,
          classifyCaller: services.classifyCaller,
          config: config.menu,
          mediaRoot: runtime.mediaRoot,
          log,
          host,
          port,
          dialString: config.transfer.dialString,
          ...(config.freeswitch.token ? { token: config.freeswitch.token } : {}),
          maxConnections,
          maxBufferedBytes: config.freeswitch.maxBufferedBytes,
          recordings: services.recordings,
          ...(metrics ? { observer: metrics.metrics } : {}),
        });
        state.server = server;
        // the call port taken: the web page stops too, or its socket would keep serve running
        const address = await server.listen().catch(async (e: unknown) => {
          await web?.close();
          throw e;
        });
        metrics?.serving(
          () => (server.draining ? 'draining' : 'serving'),
          () => serving.live.id,
        );
        log.info(
          {
            listen: `${address.host}:${address.port}`,
            media: runtime.mediaRoot.local,
            release: first.id,
            flows: Object.keys(runtime.bundle.flows),
            directory: config.directory.type,
            mail: config.mail.smtp ? 'smtp' : 'maildir',
            token: config.freeswitch.token ? 'required' : 'none',
          },
          'voicebox is ready for FreeSWITCH',
        );
        // the handlers before the line that says we are ready: a stop right after it must be clean
        const signal = (): Promise<string> =>
          new Promise<string>((resolve) => {
            const on = (name: string) => () => {
              process.off('SIGINT', onInt);
              process.off('SIGTERM', onTerm);
              resolve(name);
            };
            const onInt = on('SIGINT');
            const onTerm = on('SIGTERM');
            process.once('SIGINT', onInt);
            process.once('SIGTERM', onTerm);
          });
        const stopped = signal();
        io.out(`voicebox: listening for FreeSWITCH on ${address.host}:${address.port} (Ctrl-C stops)\n`);
        // kept from here on, logged on login and loss; each login reconciles every lamp
        inbound?.start();
        await stopped;
        // draining: no new call (FreeSWITCH's `socket a|b` tries the next node), the calls in
        // progress go on for up to deploy.drainMs; a second signal ends the wait at once
        server.stopAccepting();
        // the web page's sockets close with the call port's: no new login while the calls drain
        await web
          ?.close()
          .catch((e: unknown) => log.warn({ err: (e as Error).message }, 'web page: closing failed'));
        if (server.activeCalls > 0)
          log.info(
            { calls: server.activeCalls, drainMs: config.deploy.drainMs },
            'stopping: no new calls; the calls in progress may finish (a second SIGTERM ends them now)',
          );
        const left = await server.drain(config.deploy.drainMs, signal());
        if (left > 0) log.warn({ calls: left }, 'stopping: hanging up the calls still in progress');
        await inbound?.close();
        clearInterval(sweeps);
        await server.close();
        await control.close();
        control = undefined;
        // a mail send still under way may take minutes (a slow server after DATA): it stays in
        // the spool and is sent at the next start; drainMs + this must stay under TimeoutStopSec
        await services.spool.stop(SPOOL_STOP_MS);
        await services.close();
        setExit(0);
      } catch (e) {
        if (e instanceof MenusInvalid) io.err(e.report + '\n');
        else io.err(`voicebox serve: ${(e as Error).message}\n`);
        setExit(1);
      } finally {
        await control?.close().catch(() => undefined);
        safetyNet.remove();
      }
    });
}
