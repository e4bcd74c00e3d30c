// The lab's second slapd: same seed as the first, for voicebox's LDAP fail-over.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Client } from 'ldapts';
import { labDir } from '../../env/lab.js';
import { asLdapAdmin, run, values } from './support.js';

const lab = inject('lab');
const [primary, secondary] = lab.ldap.servers;

async function mailOfAlice(url: string): Promise<string[]> {
  return asLdapAdmin(lab, url, async (c) => {
    const { searchEntries } = await c.search(lab.ldap.baseDn, {
      filter: '(uid=alice)',
      attributes: ['mail'],
    });
    return searchEntries.flatMap((e) => values(e, 'mail'));
  });
}

/** What voicebox's directory does with `ldap.servers`: the first server that answers wins. */
async function firstAnswering(urls: string[]): Promise<{ url: string; failed: string[] }> {
  const failed: string[] = [];
  for (const url of urls) {
    const c = new Client({ url, connectTimeout: 1_000, timeout: 2_000 });
    try {
      await c.bind(lab.ldap.bindDn, lab.ldap.bindPassword);
      return { url, failed };
    } catch (e) {
      failed.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await c.unbind();
    }
  }
  throw new Error(`no LDAP server answers: ${failed.join('; ')}`);
}

const primaryPid = async () => Number((await readFile(join(primary.dir, 'slapd.pid'), 'utf8')).trim());
const restartPrimary = () => run(join(labDir, 'ldap/start.sh'), [primary.dir, String(primary.port)]);

describe('two slapd with the same seed', () => {
  afterAll(async () => {
    // the other test files need the primary: bring it back even if a test failed half-way
    await restartPrimary();
  });

  it('both answer with the same users', async () => {
    expect(await mailOfAlice(primary.url)).toEqual(['alice@example.com']);
    expect(await mailOfAlice(secondary.url)).toEqual(['alice@example.com']);
  });

  it('when the first is killed, the second still answers', async () => {
    process.kill(await primaryPid(), 'SIGKILL');
    await expect
      .poll(() =>
        firstAnswering([primary.url]).then(
          () => 'up',
          () => 'down',
        ),
      )
      .toBe('down');

    const answer = await firstAnswering([primary.url, secondary.url]);
    expect(answer.url).toBe(secondary.url);
    expect(answer.failed).toEqual([expect.stringContaining(primary.url)]);
    expect(await mailOfAlice(secondary.url)).toEqual(['alice@example.com']);
  });

  it('the first comes back on its old data after a restart', async () => {
    await restartPrimary();
    expect((await firstAnswering([primary.url, secondary.url])).url).toBe(primary.url);
    expect(await mailOfAlice(primary.url)).toEqual(['alice@example.com']);
  });
});
