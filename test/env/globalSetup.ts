// vitest globalSetup of the `integration` project: brings a private lab up (slapd x2, Dovecot,
// Postfix on free ports of 127.0.0.1, data in a mkdtemp dir) with the same lab/lab.sh that
// `npm run lab:up` uses, provides its state to the tests as inject('lab'), and takes it down after.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { LabError, readLabState, runLab } from './lab.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'voicebox-it-'));
  // mkdtemp makes 0700; Dovecot's and Postfix's unprivileged users must traverse it
  await chmod(root, 0o755);
  const env = {
    LAB_STATE: join(root, 'state.json'),
    LAB_DIR: join(root, 'lab'),
    LAB_CONFIG: join(root, 'voicebox.yaml'),
  };
  const teardown = async (): Promise<void> => {
    const down = await runLab('down', env);
    await rm(root, { recursive: true, force: true });
    if (down.code !== 0)
      throw new LabError(`lab.sh down failed (${down.code}):\n${down.stdout}${down.stderr}`);
  };

  const up = await runLab('up', env);
  if (up.code !== 0) {
    await rm(root, { recursive: true, force: true });
    throw new LabError(`lab.sh up failed (${up.code}):\n${up.stdout}${up.stderr}`);
  }
  try {
    const lab = await readLabState(env.LAB_STATE);
    project.provide('lab', lab);
    console.log(`integration lab up in ${lab.startMs} ms (${lab.dir})`);
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
