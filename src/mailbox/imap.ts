// The owner's messages on an IMAP server (imapflow), in every access mode of R8 / the ixi-UMS
// Voice-Mail Server manual §1.3, §4.3: administrative (master-user login, RFC 2342 "Other Users"
// namespace, full-path template), individual (her own password, stored encrypted) or both.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, chmod, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { ESearchResult, FetchMessageObject, MessageStructureObject, SearchObject } from 'imapflow';
import { sameAudio } from '../mail/index.js';
import {
  announcedSender,
  classifyMessage,
  hasAudioPart,
  isAudio,
  KIND_HEADERS,
  kindFromAddress,
  SENDER_TEMPLATES,
  senderName,
} from './kind.js';
import { NOTIFY_LOOK_AT, notifyCountsOf } from './counts.js';
import type { Arrival } from './counts.js';
import { contentLanguage } from './language.js';
import { decodeWords, header, parseHeaders } from './mime.js';
import { decryptPassword, MailboxPasswordError } from './secrets.js';
import { fillLoginTemplate, fillPathTemplate } from './templates.js';
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
  MessageKind,
  MessageSummary,
  NotifyCounts,
} from './types.js';

/** The `mailbox.imap` config section, plus the folders and TLS details. */
export interface ImapMailboxOptions extends MailboxFolders, MessageTrust {
  host: string;
  port: number;
  /** implicit TLS (IMAPS); otherwise STARTTLS when the server offers it */
  tls: boolean;
  rejectUnauthorized?: boolean;
  /** extra TLS options (a private CA, servername) */
  tlsOptions?: ConnectionOptions;
  access: 'administrative' | 'individual' | 'both';
  adminMode: 'master' | 'namespace' | 'template';
  /** master mode: the master user; namespace and template modes: the admin account */
  masterUser?: string;
  masterPassword?: string;
  masterSeparator: string;
  /** namespace mode: the "Other Users" prefix; the server's own (NAMESPACE) is used when it has one */
  namespace: string;
  /** template mode: the path of the owner's INBOX, `user.${MAILBOX}` */
  pathTemplate: string;
  loginTemplate: string;
  /** decrypts MailboxOwner.mailPassword (individual login) */
  passwordKey?: string;
  /** connect, login and every command */
  timeoutMs: number;
  /** at most this many bytes of a text part are fetched to be read aloud (default 64 KiB) */
  textBytes?: number;
}

type AccessMode = 'master' | 'namespace' | 'template' | 'individual';

/** How one owner's mailbox is reached: who logs in, and where her folders are. */
export interface ImapAccess {
  mode: AccessMode;
  host: string;
  user: string;
  /** not part of any message or log */
  password: string;
}

const TEXT_BYTES = 64 * 1024;

/** Which login opens this owner's mailbox (R8: both = individual when a password is stored). */
export function imapAccessFor(options: ImapMailboxOptions, owner: MailboxOwner): ImapAccess {
  const host = owner.imapHost ?? options.host;
  const individual =
    options.access === 'individual' ||
    (options.access === 'both' && owner.mailPassword !== undefined && owner.mailPassword !== '');
  const user = fillLoginTemplate(options.loginTemplate, owner);
  if (individual) {
    if (owner.mailPassword === undefined || owner.mailPassword === '') {
      throw new MailboxUnavailable(`IMAP ${host}: no mailbox password stored for ${user} (individual login)`);
    }
    if (options.passwordKey === undefined) {
      throw new MailboxUnavailable(
        `IMAP ${host}: mailbox.imap.passwordKey is not set, so ${user}'s stored password cannot be read`,
      );
    }
    try {
      return {
        mode: 'individual',
        host,
        user,
        password: decryptPassword(owner.mailPassword, options.passwordKey),
      };
    } catch (error) {
      const reason = error instanceof MailboxPasswordError ? error.message : 'unreadable';
      throw new MailboxUnavailable(`IMAP ${host}: ${reason} (user ${user}, individual login)`);
    }
  }
  if (options.masterUser === undefined || options.masterPassword === undefined) {
    throw new MailboxUnavailable(
      `IMAP ${host}: administrative access (${options.adminMode}) needs mailbox.imap.masterUser and masterPassword`,
    );
  }
  const admin =
    options.adminMode === 'master'
      ? `${user}${options.masterSeparator}${options.masterUser}`
      : options.masterUser;
  return { mode: options.adminMode, host, user: admin, password: options.masterPassword };
}

/** `INBOX/Voice`, `Inbox/Voice` → segments with INBOX spelled as IMAP wants it. */
function segmentsOf(folder: string): string[] {
  return folder
    .split('/')
    .filter((s) => s !== '')
    .map((s, i) => (i === 0 && s.toUpperCase() === 'INBOX' ? 'INBOX' : s));
}

const isInbox = (segments: string[]): boolean =>
  segments.length === 0 || (segments.length === 1 && segments[0] === 'INBOX');

/** The IMAP paths of the owner's folder and trash, in the server's own separator and namespaces. */
export function imapPaths(
  options: ImapMailboxOptions,
  owner: MailboxOwner,
  mode: AccessMode,
  server: { delimiter: string; personalPrefix: string; otherPrefix?: string },
): { folder: string; trash: string } {
  const d = server.delimiter;
  const folder = segmentsOf(owner.folder ?? options.folder);
  const trash = segmentsOf(options.trash);
  if (mode === 'namespace') {
    const prefix = server.otherPrefix ?? options.namespace;
    const root = `${prefix.endsWith(d) ? prefix : prefix + d}${owner.mailbox}${d}`;
    return { folder: root + (isInbox(folder) ? 'INBOX' : folder.join(d)), trash: root + trash.join(d) };
  }
  if (mode === 'template') {
    // the template names the owner's INBOX (Cyrus: user.alice); her other folders are its children
    const inbox = fillPathTemplate(options.pathTemplate, owner);
    const below = (segments: string[]): string =>
      [inbox, ...segments.filter((s, i) => i > 0 || s !== 'INBOX')].join(d);
    return { folder: below(folder), trash: below(trash) };
  }
  const personal = (segments: string[]): string =>
    isInbox(segments) || segments[0] === 'INBOX'
      ? segments.join(d) || 'INBOX'
      : server.personalPrefix + segments.join(d);
  return { folder: personal(folder), trash: personal(trash) };
}

interface ImapErrorShape {
  authenticationFailed?: boolean;
  responseText?: string;
  serverResponseCode?: string;
  code?: string;
  message?: string;
}
const shape = (error: unknown): ImapErrorShape =>
  typeof error === 'object' && error !== null ? (error as ImapErrorShape) : {};

/**
 * The kind of each voice, fax and SMS message by UID, per folder, as far as it was searched.
 * A message's headers never change, so its kind is learned once: a summary searches the
 * headers of the messages that arrived since (UID ≥ `scannedTo`) and asks the server only for
 * what does change — which messages exist and which are unseen (index-only searches). The
 * summary so costs the same for 10 and 10,000 messages after the first call (R5: the counts
 * are still the store's own, read afresh every call).
 */
interface KindIndex {
  uidValidity: bigint;
  scannedTo: number;
  voice: Set<number>;
  fax: Set<number>;
  sms: Set<number>;
}

/** a message's kind as the index knows it: every message it has not marked is an e-mail */
function kindOf(index: KindIndex, uid: number): MessageKind {
  return index.voice.has(uid) ? 'voice' : index.fax.has(uid) ? 'fax' : index.sms.has(uid) ? 'sms' : 'email';
}

/** folders whose kinds are remembered; the oldest is forgotten beyond this */
const KIND_INDEX_FOLDERS = 2000;

/** Opens owners' mailboxes on an IMAP server; one connection per open mailbox (per call). */
export class ImapMailboxStore implements MailboxStore {
  private readonly kinds = new Map<string, KindIndex>();

  constructor(private readonly options: ImapMailboxOptions) {}

  async open(owner: MailboxOwner): Promise<Mailbox> {
    const access = imapAccessFor(this.options, owner);
    const mailbox = new ImapMailbox(this.options, owner, access, this.kinds);
    await mailbox.connect();
    return mailbox;
  }

  /**
   * One login, `STATUS folder (MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ)`, logout; in
   * the owner's access mode, like open. HIGHESTMODSEQ (where the server has CONDSTORE) is what
   * catches flags changed back: UNSEEN alone is the same after one message was read and another
   * marked unread, or after \Seen set and cleared again.
   */
  async fingerprint(owner: MailboxOwner): Promise<string> {
    const access = imapAccessFor(this.options, owner);
    const mailbox = new ImapMailbox(this.options, owner, access, this.kinds);
    try {
      await mailbox.connect(false);
      return await mailbox.statusFingerprint();
    } finally {
      await mailbox.close();
    }
  }
}

class ImapMailbox implements Mailbox {
  private client: ImapFlow | undefined;
  private paths: { folder: string; trash: string } | undefined;
  private trashReady = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly options: ImapMailboxOptions,
    private readonly owner: MailboxOwner,
    private readonly access: ImapAccess,
    private readonly kinds: Map<string, KindIndex>,
  ) {}

  /** host, user and mode: what an operator needs in every error */
  private where(): string {
    return `${this.access.host}:${this.options.port} as ${this.access.user} (${this.access.mode} access)`;
  }

  private unavailable(what: string, error?: unknown): MailboxUnavailable {
    const e = shape(error);
    const reason = e.authenticationFailed
      ? 'login refused'
      : (e.responseText ?? e.code ?? e.message ?? (error === undefined ? '' : String(error)));
    return new MailboxUnavailable(`IMAP ${what} failed on ${this.where()}${reason ? `: ${reason}` : ''}`, {
      cause: error,
    });
  }

  /** Every await on the server ends within timeoutMs; a timed-out connection is dropped. */
  private async bounded<T>(what: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = this.client;
    if (client === undefined) throw this.unavailable(what, 'not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.close();
        reject(this.unavailable(what, `no answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    try {
      return await Promise.race([work(client), timeout]);
    } catch (error) {
      if (
        error instanceof MailboxUnavailable ||
        error instanceof MessageNotFound ||
        error instanceof MessageTooLarge ||
        error instanceof MessageUnreadable
      )
        throw error;
      throw this.unavailable(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One command at a time on the connection; reconnects when the server dropped it meanwhile. */
  private run<T>(what: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new MailboxUnavailable(`IMAP mailbox of ${this.owner.mailbox} is closed`);
      if (this.client === undefined || !this.client.usable) await this.connect();
      return this.bounded(what, work);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** logs in and finds the owner's folder; selects it unless `select` is false (STATUS only) */
  async connect(select = true): Promise<void> {
    const { tlsOptions, rejectUnauthorized } = this.options;
    const client = new ImapFlow({
      host: this.access.host,
      port: this.options.port,
      secure: this.options.tls,
      tls: { ...(rejectUnauthorized === false ? { rejectUnauthorized: false } : {}), ...tlsOptions },
      ...(tlsOptions?.servername !== undefined ? { servername: tlsOptions.servername } : {}),
      auth: { user: this.access.user, pass: this.access.password },
      logger: false,
      connectionTimeout: this.options.timeoutMs,
      greetingTimeout: this.options.timeoutMs,
      disableAutoIdle: true,
    });
    // a dropped connection surfaces on the next command; the error event must not crash the process
    client.on('error', () => undefined);
    this.client = client;
    await this.bounded('login', (c) => c.connect());
    const paths = await this.bounded('folder lookup', async (c) => {
      const personal = c.namespaces?.personal || [];
      const delimiter = personal[0]?.delimiter ?? (await this.delimiter(c));
      const otherPrefix = (c.namespaces?.other || [])[0]?.prefix;
      return imapPaths(this.options, this.owner, this.access.mode, {
        delimiter,
        personalPrefix: personal[0]?.prefix ?? '',
        ...(otherPrefix !== undefined ? { otherPrefix } : {}),
      });
    });
    this.paths = paths;
    if (!select) return;
    try {
      await this.bounded('opening the folder', (c) => c.mailboxOpen(paths.folder));
    } catch (error) {
      client.close();
      throw new MailboxUnavailable(
        `IMAP folder "${paths.folder}" cannot be opened on ${this.where()}: it does not exist or is not shared with this account`,
        { cause: error },
      );
    }
  }

  /** the folder's STATUS as one string: changes when a message arrives, goes, or its flags change */
  async statusFingerprint(): Promise<string> {
    return this.bounded(`STATUS of "${this.folder}"`, async (c) => {
      const status = await c
        .status(this.folder, {
          messages: true,
          unseen: true,
          uidNext: true,
          uidValidity: true,
          highestModseq: true, // asked only where the server has CONDSTORE
        })
        .catch((error: unknown) => {
          throw new MailboxUnavailable(
            `IMAP folder "${this.folder}" cannot be read on ${this.where()}: it does not exist or is not shared with this account`,
            { cause: error },
          );
        });
      if (status === false) throw this.unavailable(`STATUS of "${this.folder}"`);
      const { uidValidity, messages, unseen, uidNext, highestModseq } = status;
      return `imap ${uidValidity ?? '-'} ${messages ?? '-'} ${unseen ?? '-'} ${uidNext ?? '-'} ${highestModseq ?? '-'}`;
    });
  }

  private async delimiter(client: ImapFlow): Promise<string> {
    const inbox = (await client.list()).find((m) => m.path.toUpperCase() === 'INBOX');
    return inbox?.delimiter ?? '/';
  }

  private get folder(): string {
    if (this.paths === undefined) throw new MailboxUnavailable('IMAP mailbox not open');
    return this.paths.folder;
  }

  async summary(): Promise<MessageSummary> {
    return this.run('summary', async (c) => (await this.counted(c)).summary);
  }

  /**
   * The summary, with what it learned on the way: the unseen UIDs (one index-only SEARCH) and
   * the folder's kind index, so notifyCounts reads neither twice.
   */
  private async counted(
    c: ImapFlow,
  ): Promise<{ summary: MessageSummary; unseen: Set<number>; index: KindIndex }> {
    const status = await c.status(this.folder, { messages: true, uidNext: true, uidValidity: true });
    if (status === false) throw this.unavailable(`STATUS of "${this.folder}"`);
    const uids = async (query: SearchObject): Promise<number[]> =>
      expandUids(await c.search(query, { uid: true, returnOptions: ['ALL'] }));
    const index = await this.kindIndex(c, status.uidValidity ?? 0n, status.uidNext, uids);
    // what changes between calls: which messages exist, which are unseen (index-only searches)
    const unseen = new Set(await uids({ seen: false }));
    const counts = { newVoice: 0, oldVoice: 0, newFax: 0, oldFax: 0, newSms: 0, oldSms: 0 };
    let special = 0;
    for (const uid of await uids({ all: true })) {
      // as classifyMessage judged each message once: voice, fax, sms
      const kind = kindOf(index, uid);
      if (kind === 'email') continue;
      special++;
      const isNew = unseen.has(uid);
      if (kind === 'voice') counts[isNew ? 'newVoice' : 'oldVoice']++;
      else if (kind === 'fax') counts[isNew ? 'newFax' : 'oldFax']++;
      else counts[isNew ? 'newSms' : 'oldSms']++;
    }
    const total = status.messages ?? 0;
    const newSpecial = counts.newVoice + counts.newFax + counts.newSms;
    const newEmail = Math.max(0, unseen.size - newSpecial);
    const summary = { ...counts, newEmail, oldEmail: Math.max(0, total - special - newEmail), total };
    return { summary, unseen, index };
  }

  async notifyCounts(since?: Date): Promise<NotifyCounts> {
    return this.run('counting for the notifier', async (c) => {
      const { summary, unseen, index } = await this.counted(c);
      // only unseen voice, fax and SMS count; their kind is the index's, as in the summary
      const wanted = [...unseen]
        .filter((uid) => kindOf(index, uid) !== 'email')
        .sort((a, b) => b - a)
        .slice(0, NOTIFY_LOOK_AT);
      const arrived: (Arrival & { uid: number })[] = [];
      if (wanted.length > 0) {
        for await (const message of c.fetch(
          uidSet(wanted),
          { uid: true, envelope: true, internalDate: true, headers: [...KIND_HEADERS] },
          { uid: true },
        )) {
          const kind = kindOf(index, message.uid);
          if (kind === 'email') continue;
          const from = message.envelope?.from?.[0];
          const address = from?.address ?? '';
          // the index judged it with its body structure: a gateway's voice message had audio
          const judged = this.classify(message, kind === 'voice');
          const name = from?.name ? decodeWords(from.name) : '';
          arrived.push({
            uid: message.uid,
            kind,
            at: internalDateOf(message),
            from: judged.senderNumber ?? announcedSender(judged, name, address),
          });
        }
      }
      return notifyCountsOf(
        summary,
        arrived.sort((a, b) => a.uid - b.uid),
        since,
      );
    });
  }

  /** the folder's kinds, brought up to date: only messages that arrived since are searched */
  private async kindIndex(
    c: ImapFlow,
    uidValidity: bigint,
    uidNext: number | undefined,
    uids: (query: SearchObject) => Promise<number[]>,
  ): Promise<KindIndex> {
    const key = `${this.access.host}\0${this.options.port}\0${this.access.user}\0${this.folder}\0${this.owner.number ?? ''}`;
    let index = this.kinds.get(key);
    if (index === undefined || index.uidValidity !== uidValidity) {
      index = { uidValidity, scannedTo: 1, voice: new Set(), fax: new Set(), sms: new Set() };
    }
    this.kinds.delete(key);
    this.kinds.set(key, index); // most recently used last
    if (this.kinds.size > KIND_INDEX_FOLDERS) this.kinds.delete(this.kinds.keys().next().value!);
    const from = index.scannedTo;
    if (uidNext !== undefined && uidNext <= from) return index;
    // the rule of classifyMessage, applied by classifyMessage itself to the few candidates: mail
    // with voicebox's headers (believed when the signature verifies for this mailbox), and mail
    // from a trusted gateway's `@voc.<domain>`, `@voice.<domain>`, `@fax.`, `@sms.` (SEARCH FROM is
    // a substring match, so `@voice.gw.example.com.attacker.net` is a candidate too, and
    // classifyMessage rejects it)
    const fresh = (found: number[]) => found.filter((u) => u >= from); // `n:*` names the last message even below n
    const candidates = new Set(fresh(await uids({ uid: `${from}:*`, header: { 'x-voicebox-type': true } })));
    for (const domain of this.options.trustedSenderDomains ?? []) {
      for (const addrtype of Object.keys(SENDER_TEMPLATES)) {
        const byAddress: SearchObject = {
          uid: `${from}:*`,
          from: `@${addrtype}.${domain.trim().toLowerCase()}`,
          not: { header: { 'x-voicebox-type': true } },
        };
        fresh(await uids(byAddress)).forEach((u) => candidates.add(u));
      }
    }
    const sets = { voice: index.voice, fax: index.fax, sms: index.sms } as const;
    if (candidates.size > 0) {
      for await (const message of c.fetch(
        uidSet([...candidates]),
        // the body structure (no body) says whether a gateway's voice message has audio to play
        { uid: true, envelope: true, headers: [...KIND_HEADERS], bodyStructure: true },
        { uid: true },
      )) {
        const { kind } = this.classify(message);
        if (kind !== 'email') sets[kind].add(message.uid);
      }
    }
    if (uidNext !== undefined) index.scannedTo = uidNext;
    return index;
  }

  /** a trusted gateway's voice message (no voicebox headers): only its audio makes it one */
  private isGatewayVoice(message: FetchMessageObject): boolean {
    const headers = parseHeaders(message.headers?.toString('utf8') ?? '');
    return (
      (header(headers, 'x-voicebox-type') ?? '').trim() === '' &&
      kindFromAddress(message.envelope?.from?.[0]?.address ?? '', this.options.trustedSenderDomains ?? []) ===
        'voice'
    );
  }

  /** `hasAudio` from the message's body structure when it was fetched, else as given */
  private classify(message: FetchMessageObject, hasAudio?: boolean) {
    const headers = parseHeaders(message.headers?.toString('utf8') ?? '');
    const audio =
      message.bodyStructure !== undefined
        ? hasAudioPart(leafParts(message.bodyStructure).map((p) => p.type))
        : hasAudio;
    return classifyMessage(
      (name) => header(headers, name),
      message.envelope?.from?.[0]?.address ?? '',
      this.options.signingKey,
      {
        ...(this.owner.number !== undefined ? { ownerMailbox: this.owner.number } : {}),
        trustedSenderDomains: this.options.trustedSenderDomains ?? [],
        ...(audio !== undefined ? { hasAudio: audio } : {}),
      },
    );
  }

  async list(order: 'newest_first' | 'oldest_first', filter: MessageFilter = {}): Promise<MessageInfo[]> {
    return this.run('list', async (c) => {
      const infos: MessageInfo[] = [];
      if (c.mailbox === false || c.mailbox.exists === 0) return infos;
      const chosen = await this.chosen(c, filter);
      if (chosen !== undefined && chosen.length === 0) return infos;
      const messages: FetchMessageObject[] = [];
      for await (const message of c.fetch(
        chosen === undefined ? '1:*' : uidSet(chosen),
        { uid: true, flags: true, envelope: true, internalDate: true, headers: [...KIND_HEADERS] },
        { uid: chosen !== undefined },
      )) {
        messages.push(message);
      }
      // only a gateway's voice messages need their structure: is there audio to play?
      const withAudio = new Set<number>();
      const gateway = messages.filter((m) => this.isGatewayVoice(m)).map((m) => m.uid);
      if (gateway.length > 0) {
        for await (const m of c.fetch(uidSet(gateway), { uid: true, bodyStructure: true }, { uid: true })) {
          if (m.bodyStructure !== undefined && hasAudioPart(leafParts(m.bodyStructure).map((p) => p.type)))
            withAudio.add(m.uid);
        }
      }
      for (const message of messages) {
        const info = this.info(message, withAudio.has(message.uid));
        // a message that arrived between the searches and the FETCH is judged here, as always
        if (filter.kind === undefined || info.kind === filter.kind) infos.push(info);
      }
      const sign = order === 'newest_first' ? -1 : 1;
      return infos.sort(
        (a, b) => sign * (a.date.getTime() - b.date.getTime()) || sign * (Number(a.uid) - Number(b.uid)),
      );
    });
  }

  /**
   * The UIDs a filter picks, before anything of a message is fetched: new or read from an
   * index-only SEARCH, the kind from the folder's kind index (as the summary counts them);
   * undefined without a filter (all of them).
   */
  private async chosen(c: ImapFlow, filter: MessageFilter): Promise<number[] | undefined> {
    if (filter.kind === undefined && filter.unread === undefined) return undefined;
    const uids = async (query: SearchObject): Promise<number[]> =>
      expandUids(await c.search(query, { uid: true, returnOptions: ['ALL'] }));
    const picked = await uids(filter.unread === undefined ? { all: true } : { seen: !filter.unread });
    const kind = filter.kind;
    if (kind === undefined || picked.length === 0) return picked;
    const status = await c.status(this.folder, { uidNext: true, uidValidity: true });
    if (status === false) throw this.unavailable(`STATUS of "${this.folder}"`);
    const index = await this.kindIndex(c, status.uidValidity ?? 0n, status.uidNext, uids);
    return picked.filter((uid) => kindOf(index, uid) === kind);
  }

  private info(message: FetchMessageObject, hasAudio: boolean): MessageInfo {
    const from = message.envelope?.from?.[0];
    const address = from?.address ?? '';
    const name = from?.name ? decodeWords(from.name) : '';
    const c = this.classify(message, hasAudio);
    const headers = parseHeaders(message.headers?.toString('utf8') ?? '');
    const { kind, senderNumber: number, durationMs: duration } = c;
    const internal = internalDateOf(message);
    return {
      uid: String(message.uid),
      kind,
      date: envelopeDate(message.envelope?.date) ?? internal,
      sender: announcedSender(c, name, address),
      senderName: senderName(c, name),
      replyAddress: message.envelope?.replyTo?.[0]?.address || address,
      ...(number !== undefined ? { senderNumber: number } : {}),
      subject: message.envelope?.subject ?? '',
      ...(duration !== undefined ? { durationMs: duration } : {}),
      isNew: !(message.flags?.has('\\Seen') ?? false),
      language: contentLanguage(header(headers, 'content-language')),
    };
  }

  private async structure(c: ImapFlow, uid: string): Promise<MessageStructureObject> {
    if (!/^\d+$/.test(uid)) throw new MessageNotFound(`no message ${uid}`);
    const message = await c.fetchOne(uid, { uid: true, bodyStructure: true }, { uid: true });
    if (message === false || message.bodyStructure === undefined) {
      throw new MessageNotFound(`no message ${uid} in ${this.folder}`);
    }
    return message.bodyStructure;
  }

  async voiceAudio(uid: string, toDir: string): Promise<string> {
    return this.run('downloading the voice message', async (c) => {
      if (!/^\d+$/.test(uid)) throw new MessageNotFound(`no message ${uid}`);
      const owner = createHash('sha256')
        .update(`${this.access.host}\0${this.folder}`)
        .digest('hex')
        .slice(0, 12);
      const path = join(toDir, `imap-${owner}-${c.mailbox === false ? 0 : c.mailbox.uidValidity}-${uid}.wav`);
      // written only after its checks passed, and a UID never names other mail: no second download
      if (await exists(path)) return path;
      const message = await c.fetchOne(
        uid,
        { uid: true, bodyStructure: true, envelope: true, headers: [...KIND_HEADERS] },
        { uid: true },
      );
      if (message === false || message.bodyStructure === undefined) {
        throw new MessageNotFound(`no message ${uid} in ${this.folder}`);
      }
      const { kind, signedAudio } = this.classify(message);
      if (kind !== 'voice') throw new MessageNotFound(`message ${uid} is not a voice message`);
      const audio = leafParts(message.bodyStructure).find((p) => isAudio(p.type));
      if (audio === undefined) throw new MessageNotFound(`message ${uid} has no audio attachment`);
      const max = this.options.maxAudioBytes ?? DEFAULT_MAX_AUDIO_BYTES;
      // base64 with a line break every 76 characters: 78 bytes on the wire carry 57
      const encodedMax = Math.ceil((max * 78) / 57) + 1024;
      if ((audio.size ?? 0) > encodedMax) {
        throw new MessageTooLarge(
          `message ${uid}: its audio is ${audio.size} bytes encoded, over the cap of ${max} bytes`,
        );
      }
      const download = await c.download(uid, audio.part ?? '1', { uid: true, maxBytes: encodedMax });
      if (download.content === undefined) throw new MessageNotFound(`message ${uid}: audio part gone`);
      await mkdir(toDir, { recursive: true, mode: DOWNLOAD_FOLDER_MODE });
      const tmp = `${path}.${process.pid}.tmp`;
      const counted = new AudioCheck(max);
      try {
        await pipeline(download.content, counted, createWriteStream(tmp, { mode: DOWNLOAD_FILE_MODE }));
        if (counted.bytes > max) {
          throw new MessageTooLarge(`message ${uid}: its audio is over the cap of ${max} bytes`);
        }
        if (signedAudio !== undefined && !sameAudio(signedAudio, counted.digest())) {
          throw new MessageUnreadable(`message ${uid}: its audio is not the audio its signature names`);
        }
        await chmod(tmp, DOWNLOAD_FILE_MODE);
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      return path;
    });
  }

  async text(uid: string, maxChars?: number): Promise<string[]> {
    return this.run('reading the message text', async (c) => {
      const parts = leafParts(await this.structure(c, uid)).filter((p) => p.disposition !== 'attachment');
      const plain = parts.find((p) => p.type === 'text/plain');
      const html = parts.find((p) => p.type === 'text/html');
      const chosen = plain ?? html;
      if (chosen === undefined) return [];
      const download = await c.download(uid, chosen.part ?? '1', {
        uid: true,
        maxBytes: this.options.textBytes ?? TEXT_BYTES,
      });
      const body = download.content === undefined ? '' : await readStream(download.content);
      return readAloud(chosen === plain ? { text: body } : { html: body }, maxChars);
    });
  }

  async markSeen(uid: string): Promise<void> {
    await this.run('marking the message seen', async (c) => {
      await c.messageFlagsAdd(uid, ['\\Seen'], { uid: true });
    });
  }

  async delete(uid: string): Promise<void> {
    await this.run('deleting the message', async (c) => {
      if (!/^\d+$/.test(uid)) throw new MessageNotFound(`no message ${uid}`);
      const trash = this.paths?.trash;
      if (this.options.deleteMode === 'expunge' || trash === undefined || trash === this.folder) {
        await c.messageDelete(uid, { uid: true });
        return;
      }
      if (!this.trashReady) {
        const exists = await c.status(trash, { messages: true }).then(
          () => true,
          () => false,
        );
        if (!exists) {
          try {
            await c.mailboxCreate(trash);
          } catch (error) {
            throw this.unavailable(`creating the trash folder "${trash}"`, error);
          }
        }
        this.trashReady = true;
      }
      const moved = await c.messageMove(uid, trash, { uid: true });
      if (moved === false) throw this.unavailable(`moving message ${uid} to "${trash}"`);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client === undefined || !client.usable) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.logout().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    client.close();
  }
}

/** Counts and hashes the decoded audio on its way to disk; stops passing bytes beyond the cap. */
class AudioCheck extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return done();
    this.hash.update(chunk);
    this.push(chunk);
    done();
  }

  digest(): string {
    return this.hash.digest('base64url');
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** `1,2,3,7` → `1:3,7`: a FETCH for many UIDs in a short command */
export function uidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

/** when the server received the message (INTERNALDATE, whole seconds) */
function internalDateOf(message: FetchMessageObject): Date {
  return message.internalDate instanceof Date ? message.internalDate : new Date(message.internalDate ?? 0);
}

function envelopeDate(date: Date | string | undefined): Date | undefined {
  const parsed = date === undefined ? undefined : new Date(date);
  return parsed === undefined || Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

function leafParts(node: MessageStructureObject): MessageStructureObject[] {
  return node.childNodes === undefined || node.childNodes.length === 0
    ? [node]
    : node.childNodes.flatMap(leafParts);
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** UIDs from a SEARCH answer: an ESEARCH `ALL` sequence set (`1:5,9`) or a plain list */
export function expandUids(result: number[] | ESearchResult | false | undefined): number[] {
  if (result === false || result === undefined) return [];
  if (Array.isArray(result)) return result;
  const uids: number[] = [];
  for (const range of (result.all ?? '').split(',')) {
    if (range === '') continue;
    const [a, b] = range.split(':').map(Number);
    const lo = Math.min(a!, b ?? a!);
    const hi = Math.max(a!, b ?? a!);
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) continue;
    for (let u = lo; u <= hi; u++) uids.push(u);
  }
  return uids;
}
