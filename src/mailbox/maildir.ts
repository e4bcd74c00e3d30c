// The owner's messages in a local Maildir (the format src/mail's maildirTransport writes and
// Dovecot reads): `<root>/<user>/{new,cur,tmp}`, subfolders Maildir++ style (`.INBOX.Voice`).
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { audioDigest, sameAudio } from '../mail/index.js';
import {
  announcedSender,
  classifyMessage,
  hasAudioPart,
  isAudio,
  kindFromAddress,
  senderName,
} from './kind.js';
import type { Classified } from './kind.js';
import { NOTIFY_LOOK_AT, notifyCountsOf } from './counts.js';
import type { Arrival } from './counts.js';
import { contentLanguage } from './language.js';
import {
  decodeBody,
  decodeWords,
  header,
  leaves,
  parseAddress,
  parseHeaders,
  parseMime,
  partText,
  splitHeaderBody,
} from './mime.js';
import type { Headers, MimePart } from './mime.js';
import { readAloud } from './text.js';
import {
  DEFAULT_MAX_AUDIO_BYTES,
  DOWNLOAD_FILE_MODE,
  DOWNLOAD_FOLDER_MODE,
  MailboxUnavailable,
  MessageNotFound,
  MessageTooLarge,
  MessageUnreadable,
} from './types.js';
import type {
  Mailbox,
  MailboxFolders,
  MessageTrust,
  MailboxOwner,
  MailboxStore,
  MessageFilter,
  MessageInfo,
  MessageSummary,
  NotifyCounts,
} from './types.js';

export interface MaildirMailboxOptions extends MailboxFolders, MessageTrust {
  /** holds one Maildir per user */
  root: string;
  /** the user's directory below root; default the lower-case local part of her e-mail, as maildirTransport delivers */
  userDirFor?: (owner: MailboxOwner) => string;
  /** at most this many bytes of a text part are read aloud (default 64 KiB) */
  textBytes?: number;
}

const HEADER_BYTES = 64 * 1024;
const TEXT_BYTES = 64 * 1024;

const defaultUserDir = (owner: MailboxOwner): string => {
  const at = owner.email.lastIndexOf('@');
  return (at > 0 ? owner.email.slice(0, at) : owner.email || owner.mailbox).toLowerCase();
};

const safeSegment = (s: string): boolean => s !== '' && !/[/\\\0]/.test(s) && !s.startsWith('.');

/** `INBOX` → the Maildir itself; `INBOX/Voice` → `.INBOX.Voice`; `Deleted Voice Messages` → `.Deleted Voice Messages`. */
export function maildirFolderPath(userDir: string, folder: string): string {
  const segments = folder
    .split('/')
    .filter((s) => s !== '')
    .map((s, i) => (i === 0 && s.toUpperCase() === 'INBOX' ? 'INBOX' : s));
  if (!segments.every(safeSegment))
    throw new MailboxUnavailable(`Maildir folder "${folder}" is not a folder name`);
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'INBOX')) return userDir;
  return join(userDir, `.${segments.join('.')}`);
}

/** Maildir info suffix `:2,<flags>` → the flags. */
const flagsOf = (name: string): string => {
  const info = name.indexOf(':2,');
  return info < 0 ? '' : name.slice(info + 3);
};
const uidOf = (name: string): string => name.split(':')[0] ?? name;

/** an unseen voice, fax or SMS message as the scan judged it */
interface Judged {
  entry: Entry;
  headers: Headers;
  judged: Classified;
  kind: Arrival['kind'];
}

interface Entry {
  uid: string;
  path: string;
  sub: 'new' | 'cur';
  name: string;
  seen: boolean;
}

export class MaildirMailboxStore implements MailboxStore {
  constructor(private readonly options: MaildirMailboxOptions) {}

  async open(owner: MailboxOwner): Promise<Mailbox> {
    return this.mailboxOf(owner);
  }

  /**
   * The names in new/ and cur/ (flags are in the names), sorted and hashed: no file is opened.
   * A folder that does not exist yet has the fingerprint of an empty one.
   */
  async fingerprint(owner: MailboxOwner): Promise<string> {
    const names = (await this.mailboxOf(owner).entries()).map((e) => `${e.sub}/${e.name}`).sort();
    const digest = createHash('sha256');
    for (const name of names) digest.update(`${name}\n`);
    return `maildir ${names.length} ${digest.digest('base64url')}`;
  }

  private mailboxOf(owner: MailboxOwner): MaildirMailbox {
    const userDirName = (this.options.userDirFor ?? defaultUserDir)(owner);
    if (!userDirName.split('/').every((s) => s !== '.' && s !== '..' && s !== '')) {
      throw new MailboxUnavailable(`Maildir for ${owner.mailbox}: "${userDirName}" is not a directory name`);
    }
    const userDir = join(this.options.root, userDirName);
    const dir = maildirFolderPath(userDir, owner.folder ?? this.options.folder);
    const trash = maildirFolderPath(userDir, this.options.trash);
    return new MaildirMailbox(dir, trash, this.options, owner);
  }
}

class MaildirMailbox implements Mailbox {
  constructor(
    private readonly dir: string,
    private readonly trashDir: string,
    private readonly options: MaildirMailboxOptions,
    private readonly owner: MailboxOwner,
  ) {}

  async entries(): Promise<Entry[]> {
    const out: Entry[] = [];
    for (const sub of ['new', 'cur'] as const) {
      let names: string[];
      try {
        names = await readdir(join(this.dir, sub));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // no mail yet
        throw new MailboxUnavailable(`Maildir ${this.dir} cannot be read: ${(error as Error).message}`);
      }
      for (const name of names) {
        if (name.startsWith('.')) continue;
        out.push({
          uid: uidOf(name),
          path: join(this.dir, sub, name),
          sub,
          name,
          seen: sub === 'cur' && flagsOf(name).includes('S'),
        });
      }
    }
    return out;
  }

  private async find(uid: string): Promise<Entry> {
    if (!safeSegment(uid) || uid.includes(':')) throw new MessageNotFound(`no message ${uid}`);
    const entry = (await this.entries()).find((e) => e.uid === uid);
    if (entry === undefined) throw new MessageNotFound(`no message ${uid} in ${this.dir}`);
    return entry;
  }

  /** the message's headers, and the first 64 KiB it was read from */
  private async headOf(entry: Entry): Promise<{ headers: Headers; head: Buffer }> {
    const file = await open(entry.path, 'r');
    try {
      const buffer = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await file.read(buffer, 0, HEADER_BYTES, 0);
      const head = buffer.subarray(0, bytesRead);
      return { headers: parseHeaders(splitHeaderBody(head).header), head };
    } finally {
      await file.close();
    }
  }

  private classify({ headers, head }: { headers: Headers; head: Buffer }) {
    const from = parseAddress(header(headers, 'from')).address;
    const trusted = this.options.trustedSenderDomains ?? [];
    // only a gateway's voice message needs its parts looked at: is there audio to play?
    const gatewayVoice =
      (header(headers, 'x-voicebox-type') ?? '').trim() === '' && kindFromAddress(from, trusted) === 'voice';
    return classifyMessage((name) => header(headers, name), from, this.options.signingKey, {
      ...(this.owner.number !== undefined ? { ownerMailbox: this.owner.number } : {}),
      trustedSenderDomains: trusted,
      ...(gatewayVoice ? { hasAudio: hasAudioPart(leaves(parseMime(head)).map((p) => p.type)) } : {}),
    });
  }

  private async info(entry: Entry): Promise<MessageInfo> {
    const read = await this.headOf(entry);
    const { headers } = read;
    const from = parseAddress(header(headers, 'from'));
    const c = this.classify(read);
    const { kind, senderNumber: number, durationMs: duration } = c;
    const dated = new Date(header(headers, 'date') ?? '');
    return {
      uid: entry.uid,
      kind,
      date: Number.isNaN(dated.getTime()) ? (await stat(entry.path)).mtime : dated,
      sender: announcedSender(c, from.name, from.address),
      senderName: senderName(c, from.name),
      replyAddress: parseAddress(header(headers, 'reply-to')).address || from.address,
      ...(number !== undefined ? { senderNumber: number } : {}),
      subject: decodeWords(header(headers, 'subject') ?? ''),
      ...(duration !== undefined ? { durationMs: duration } : {}),
      isNew: !entry.seen,
      language: contentLanguage(header(headers, 'content-language')),
    };
  }

  async summary(): Promise<MessageSummary> {
    return (await this.scan()).summary;
  }

  /** Every message's headers read once and judged: the summary, and the unseen voice, fax and SMS. */
  private async scan(): Promise<{ summary: MessageSummary; unseen: Judged[] }> {
    const summary: MessageSummary = {
      newVoice: 0,
      oldVoice: 0,
      newEmail: 0,
      oldEmail: 0,
      newFax: 0,
      oldFax: 0,
      newSms: 0,
      oldSms: 0,
      total: 0,
    };
    const counter = {
      voice: ['newVoice', 'oldVoice'],
      email: ['newEmail', 'oldEmail'],
      fax: ['newFax', 'oldFax'],
      sms: ['newSms', 'oldSms'],
    } as const;
    const unseen: Judged[] = [];
    for (const entry of await this.entries()) {
      const read = await this.headOf(entry);
      const judged = this.classify(read);
      summary.total++;
      summary[counter[judged.kind][entry.seen ? 1 : 0]]++;
      const kind = judged.kind;
      if (!entry.seen && kind !== 'email') unseen.push({ entry, headers: read.headers, judged, kind });
    }
    return { summary, unseen };
  }

  /**
   * The arrival time is the file's mtime: what Dovecot gives as INTERNALDATE for a Maildir file
   * (it sets the mtime of an APPENDed message to its date), so both adapters see one store alike.
   */
  async notifyCounts(since?: Date): Promise<NotifyCounts> {
    const { summary, unseen } = await this.scan();
    const arrivals: (Arrival & { name: string })[] = [];
    for (const { entry, headers, judged, kind } of unseen) {
      let at: Date;
      try {
        at = (await stat(entry.path)).mtime;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // read or deleted meanwhile
        throw new MailboxUnavailable(`Maildir ${this.dir} cannot be read: ${(error as Error).message}`);
      }
      const from = parseAddress(header(headers, 'from'));
      arrivals.push({
        kind,
        at,
        from: judged.senderNumber ?? announcedSender(judged, from.name, from.address),
        name: entry.uid,
      });
    }
    // the newest 1,000, in the order they arrived (a Maildir name starts with its delivery second)
    const looked = arrivals
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.name.localeCompare(b.name))
      .slice(-NOTIFY_LOOK_AT);
    return notifyCountsOf(summary, looked, since);
  }

  async list(order: 'newest_first' | 'oldest_first', filter: MessageFilter = {}): Promise<MessageInfo[]> {
    const infos: MessageInfo[] = [];
    for (const entry of await this.entries()) {
      // new or heard is in the file's name: only the chosen ones have their headers read
      if (filter.unread !== undefined && entry.seen === filter.unread) continue;
      const info = await this.info(entry);
      if (filter.kind === undefined || info.kind === filter.kind) infos.push(info);
    }
    const sign = order === 'newest_first' ? -1 : 1;
    return infos.sort(
      (a, b) => sign * (a.date.getTime() - b.date.getTime()) || sign * a.uid.localeCompare(b.uid),
    );
  }

  /** the message's first `maxBytes` (a mail's text comes before its attachments) */
  private async parse(entry: Entry, maxBytes: number): Promise<MimePart> {
    const file = await open(entry.path, 'r');
    try {
      const size = Math.min((await file.stat()).size, maxBytes);
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await file.read(buffer, 0, size, 0);
      return parseMime(buffer.subarray(0, bytesRead));
    } finally {
      await file.close();
    }
  }

  async voiceAudio(uid: string, toDir: string): Promise<string> {
    const entry = await this.find(uid);
    const path = join(toDir, `maildir-${uid.replace(/[^A-Za-z0-9._-]/g, '_')}.wav`);
    // written only after its checks passed, and a file name never names other mail
    if (await exists(path)) return path;
    const { kind, signedAudio } = this.classify(await this.headOf(entry));
    if (kind !== 'voice') throw new MessageNotFound(`message ${uid} is not a voice message`);
    const max = this.options.maxAudioBytes ?? DEFAULT_MAX_AUDIO_BYTES;
    // base64 with a line break every 76 characters, plus headers and the text part
    const fileMax = Math.ceil((max * 78) / 57) + HEADER_BYTES + 1024 * 1024;
    const { size } = await stat(entry.path);
    if (size > fileMax) {
      throw new MessageTooLarge(`message ${uid}: ${size} bytes, its audio over the cap of ${max} bytes`);
    }
    const audio = leaves(await this.parse(entry, fileMax)).find((p) => isAudio(p.type));
    if (audio === undefined) throw new MessageNotFound(`message ${uid} has no audio attachment`);
    const bytes = decodeBody(audio);
    if (bytes.length > max) {
      throw new MessageTooLarge(`message ${uid}: its audio is ${bytes.length} bytes, over the cap of ${max}`);
    }
    if (signedAudio !== undefined && !sameAudio(signedAudio, audioDigest(bytes))) {
      throw new MessageUnreadable(`message ${uid}: its audio is not the audio its signature names`);
    }
    await mkdir(toDir, { recursive: true, mode: DOWNLOAD_FOLDER_MODE });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes, { mode: DOWNLOAD_FILE_MODE });
    await chmod(tmp, DOWNLOAD_FILE_MODE);
    await rename(tmp, path);
    return path;
  }

  async text(uid: string, maxChars?: number): Promise<string[]> {
    const limit = this.options.textBytes ?? TEXT_BYTES;
    const parts = leaves(await this.parse(await this.find(uid), limit * 16)).filter(
      (p) => p.disposition !== 'attachment',
    );
    const plain = parts.find((p) => p.type === 'text/plain');
    const html = parts.find((p) => p.type === 'text/html');
    return readAloud(
      {
        ...(plain !== undefined ? { text: partText(plain, limit) } : {}),
        ...(html !== undefined ? { html: partText(html, limit) } : {}),
      },
      maxChars,
    );
  }

  async markSeen(uid: string): Promise<void> {
    const entry = await this.find(uid);
    if (entry.seen) return;
    const flags = [...new Set(`${flagsOf(entry.name)}S`)].sort().join('');
    await rename(entry.path, join(this.dir, 'cur', `${entry.uid}:2,${flags}`));
  }

  async delete(uid: string): Promise<void> {
    const entry = await this.find(uid);
    if (this.options.deleteMode === 'expunge' || this.trashDir === this.dir) {
      await rm(entry.path, { force: true });
      return;
    }
    await ensureMaildir(this.trashDir);
    await rename(entry.path, join(this.trashDir, entry.sub, entry.name));
  }

  async close(): Promise<void> {}
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** A Maildir++ subfolder as Dovecot makes one: tmp, new, cur and the `maildirfolder` marker. */
async function ensureMaildir(path: string): Promise<void> {
  for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(path, sub), { recursive: true, mode: 0o700 });
  await writeFile(join(path, 'maildirfolder'), '', { flag: 'a' });
}
