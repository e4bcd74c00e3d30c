// The embedded default when there is no MTA: deliver straight into Maildirs (the format Dovecot
// reads), the way an MDA does: write into tmp/, sync, rename into new/, sync new/.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { MailTransport, RawMessage } from './types.js';
import { MailDeliveryError } from './types.js';

export interface MaildirTransportOptions {
  /** holds one Maildir per user: `<root>/<folder>/{tmp,new,cur}` */
  root: string;
  /**
   * The folder (below root) for a recipient address; default its local part in lower case
   * (`Alice@example.com` → `alice`). Return undefined for an unknown recipient (a permanent error).
   */
  folderFor?: (recipient: string) => string | undefined;
  /** add a `Return-Path:` line with the envelope sender on top, as an MDA does (default true) */
  returnPath?: boolean;
}

export const localPartFolder = (recipient: string): string | undefined => {
  const at = recipient.lastIndexOf('@');
  return (at > 0 ? recipient.slice(0, at) : recipient).toLowerCase();
};

/** `alice`, `users/4711`: plain segments only, so no folder can point outside the root */
const isSafeFolder = (folder: string): boolean =>
  folder
    .split('/')
    .every((segment) => /^[A-Za-z0-9._+=-]+$/.test(segment) && segment !== '.' && segment !== '..');

let counter = 0;

/** A Maildir file name: unique per host, time, process and counter (cr.yp.to/proto/maildir.html). */
function uniqueName(size: number): string {
  const now = Date.now();
  const host = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072');
  counter = (counter + 1) % 1_000_000;
  const usec = (now % 1000) * 1000;
  return `${Math.floor(now / 1000)}.M${usec}P${process.pid}Q${counter}R${randomBytes(4).toString('hex')}.${host},S=${size}`;
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function ensureMaildir(path: string): Promise<void> {
  try {
    if ((await stat(join(path, 'new'))).isDirectory()) return;
  } catch {
    // fall through and create it
  }
  for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(path, sub), { recursive: true, mode: 0o700 });
}

/** Delivers into `<root>/<folder>/new/`; send resolves when the file is there and synced. */
export function maildirTransport(options: MaildirTransportOptions): MailTransport {
  const folderFor = options.folderFor ?? localPartFolder;
  const addReturnPath = options.returnPath ?? true;

  async function deliverTo(recipient: string, message: RawMessage): Promise<void> {
    const folder = folderFor(recipient);
    if (folder === undefined || !isSafeFolder(folder)) {
      throw new MailDeliveryError(`no Maildir for recipient ${recipient}`, undefined, true);
    }
    const maildir = join(options.root, folder);
    await ensureMaildir(maildir);
    const bytes = addReturnPath
      ? Buffer.concat([Buffer.from(`Return-Path: <${message.envelope.from}>\r\n`, 'utf8'), message.raw])
      : message.raw;
    const name = uniqueName(bytes.length);
    const tmp = join(maildir, 'tmp', name);
    try {
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, join(maildir, 'new', name));
      await syncDir(join(maildir, 'new'));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  return {
    async send(message: RawMessage): Promise<void> {
      try {
        for (const recipient of message.envelope.to) await deliverTo(recipient, message);
      } catch (error) {
        if (error instanceof MailDeliveryError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new MailDeliveryError(
          `Maildir delivery of ${message.messageId} failed: ${reason}`,
          undefined,
          false,
          {
            cause: error,
          },
        );
      }
    },
    close(): void {},
  };
}
