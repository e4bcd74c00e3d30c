// The config's TypeScript type is read off the schema: what the file may hold is what the code
// may read. These assertions are checked by the type check (`tsc`, part of test/run): a key the
// schema lacks, a value of the wrong kind or a missing guard of an optional section fails it.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { readConfig, schema, type VoiceboxConfig } from '../../src/config/index.js';
import type { MenuSwitches } from '../../src/graph/index.js';

describe('the config type', () => {
  it('has a key for every section of the schema, and base', () => {
    expectTypeOf<keyof VoiceboxConfig>().toEqualTypeOf<keyof typeof schema | 'base'>();
    const config = readConfig();
    // the optional `menus` (no default) is absent from the defaults
    expect(Object.keys(config).sort()).toEqual(
      [...Object.keys(schema).filter((k) => k !== 'menus'), 'base'].sort(),
    );
  });

  it("types each key by its rule's kind, and optional exactly where the file may leave it out", () => {
    const config = readConfig();
    expectTypeOf(config.directory.type).toEqualTypeOf<'yaml' | 'ldap'>();
    expectTypeOf(config.mailbox.imap?.adminMode).toEqualTypeOf<
      'master' | 'namespace' | 'template' | undefined
    >();
    expectTypeOf(config.location.extensionLength).toEqualTypeOf<number>();
    expectTypeOf(config.login.notifyLock).toEqualTypeOf<boolean>();
    expectTypeOf(config.dialPolicy.allow).toEqualTypeOf<string[]>();
    expectTypeOf(config.directory.ldap?.attributes).toEqualTypeOf<Record<string, string> | undefined>();
    expectTypeOf(config.freeswitch.token).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.welcome).toEqualTypeOf<{
      enabled: boolean;
      minPinLength: number;
      defaultPin?: string;
      portalUrl?: string;
      from: string;
      fromName: string;
      text?: Record<string, string>;
      attachments: string[];
    }>();
    // what typedConfig makes ready to use
    expectTypeOf(config.freeswitch.listen).toEqualTypeOf<{ host: string; port: number }>();
    expectTypeOf(config.media).toEqualTypeOf<{ local: string; freeswitch: string }>();
    expectTypeOf(config.menu).toEqualTypeOf<MenuSwitches>();
    expectTypeOf(config.menu.max_message).toEqualTypeOf<number>();
    expectTypeOf(config.menu.allow_reply).toEqualTypeOf<boolean>();
    expect(config.mail.smtp).toBeUndefined();
  });

  it('refuses a misspelt key, a value of the wrong kind, and an unguarded optional section', () => {
    // never run: each line is a compile error the type check expects
    const wrong = (config: VoiceboxConfig): unknown[] => [
      // @ts-expect-error a misspelt key is no key of the config
      config.mail.smpt,
      // @ts-expect-error a misspelt switch is no switch
      config.menu.allow_replies,
      // @ts-expect-error mail.smtp is optional: it may be absent
      config.mail.smtp.host,
    ];
    const port = (config: VoiceboxConfig): string =>
      // @ts-expect-error a port is a number
      config.freeswitch.listen.port;
    // @ts-expect-error directory.type is one of yaml, ldap
    const directory: VoiceboxConfig['directory']['type'] = 'ldapp';
    // @ts-expect-error a key with a default is always there, so it must be given
    const welcome: VoiceboxConfig['welcome'] = { enabled: true };
    expect([typeof wrong, typeof port, directory, welcome.enabled]).toEqual([
      'function',
      'function',
      'ldapp',
      true,
    ]);
  });
});
