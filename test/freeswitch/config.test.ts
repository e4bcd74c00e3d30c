// The files an admin drops into FreeSWITCH (freeswitch/): well-formed XML, and the settings
// voicebox depends on. A tiny XML reader is enough for these files: elements, attributes,
// comments, processing instructions and text — no DTDs, no CDATA, no namespaces.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  line: number;
}

class XmlError extends Error {}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/y;

/** Parses one XML document; throws XmlError (with a line number) if it is not well-formed. */
function parseXml(text: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const lineAt = (p: number): number => text.slice(0, p).split('\n').length;
  const fail = (msg: string, p = pos): never => {
    throw new XmlError(`line ${lineAt(p)}: ${msg}`);
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(text);
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
  };
  const checkText = (s: string, start: number): void => {
    for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(s)) fail('bare "&" (write &amp;)', start + i);
    }
  };

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const chunk = lt === -1 ? text.slice(pos) : text.slice(pos, lt);
    if (chunk.trim() !== '') {
      if (stack.length === 0) fail('text outside the root element');
      checkText(chunk, pos);
    }
    if (lt === -1) break;
    pos = lt;
    if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end === -1) fail('unterminated comment');
      if (text.slice(pos + 4, end).includes('--')) fail('"--" inside a comment');
      pos = end + 3;
    } else if (text.startsWith('<?', pos)) {
      const end = text.indexOf('?>', pos + 2);
      if (end === -1) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (text.startsWith('<!', pos)) {
      fail('DTDs and CDATA are not expected in these files');
    } else if (text.startsWith('</', pos)) {
      pos += 2;
      const n = name();
      skipSpace();
      if (text[pos] !== '>') fail(`expected ">" after </${n}`);
      pos++;
      const open = stack.pop();
      if (!open) fail(`</${n}> without an open element`);
      else if (open.name !== n) fail(`</${n}> closes <${open.name}> (line ${open.line})`);
    } else {
      const start = pos;
      pos++;
      const el: XmlElement = { name: name(), attrs: {}, children: [], line: lineAt(start) };
      for (;;) {
        const before = pos;
        skipSpace();
        if (text.startsWith('/>', pos) || text[pos] === '>') break;
        if (pos === before) fail(`expected a space before an attribute of <${el.name}>`);
        const a = name();
        skipSpace();
        if (text[pos] !== '=') fail(`attribute ${a} of <${el.name}> has no value`);
        pos++;
        skipSpace();
        const q = text[pos];
        if (q !== '"' && q !== "'") return fail(`value of ${a} is not quoted`);
        const end = text.indexOf(q, pos + 1);
        if (end === -1) fail(`unterminated value of ${a}`);
        const value = text.slice(pos + 1, end);
        if (value.includes('<')) fail(`"<" in the value of ${a}`);
        checkText(value, pos + 1);
        if (a in el.attrs) fail(`attribute ${a} twice on <${el.name}>`);
        el.attrs[a] = value
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&apos;/g, "'")
          .replace(/&amp;/g, '&');
        pos = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) fail('a second root element', start);
      else root = el;
      if (text.startsWith('/>', pos)) pos += 2;
      else {
        pos++;
        stack.push(el);
      }
    }
  }
  const open = stack.pop();
  if (open) fail(`<${open.name}> (line ${open.line}) is never closed`);
  if (!root) return fail('no root element');
  return root;
}

const children = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);

function read(path: string): string {
  return readFileSync(new URL(`../../freeswitch/${path}`, import.meta.url), 'utf8');
}

describe('the tiny XML reader', () => {
  it('reads elements, attributes, comments and entities', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<!-- a -->\n<a x="1 &amp; 2"><b y=\'z\'/><!-- <c/> --><c>t</c></a>\n',
    );
    expect(root.name).toBe('a');
    expect(root.attrs).toEqual({ x: '1 & 2' });
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c']);
  });

  it.each([
    ['<a><b></a>', /closes <b>/],
    ['<a>', /never closed/],
    ['<a x=1/>', /not quoted/],
    ['<a x="1" x="2"/>', /twice/],
    ['<a/><b/>', /second root/],
    ['<a><!-- x -- y --></a>', /"--" inside a comment/],
    ['<a>Tom & Jerry</a>', /bare "&"/],
    ['<a x="<"/>', /"<" in the value/],
    ['<a x="1"y="2"/>', /expected a space/],
  ])('rejects %s', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });
});

describe('freeswitch/dialplan/voicebox.xml', () => {
  const root = parseXml(read('dialplan/voicebox.xml'));
  const extensions = children(root, 'extension');
  const byName = new Map(extensions.map((e) => [e.attrs.name, e]));

  function actionsOf(name: string): Array<{ app: string; data: string }> {
    const ext = byName.get(name);
    if (!ext) throw new Error(`no extension ${name}`);
    const conditions = children(ext, 'condition');
    expect(conditions).toHaveLength(1);
    return children(conditions[0] as XmlElement, 'action').map((a) => ({
      app: a.attrs.application ?? '',
      data: a.attrs.data ?? '',
    }));
  }

  function expressionOf(name: string): RegExp {
    const cond = children(byName.get(name) as XmlElement, 'condition')[0] as XmlElement;
    expect(cond.attrs.field).toBe('destination_number');
    return new RegExp(cond.attrs.expression ?? '');
  }

  it('is an include file with the mailbox and the access extension, and the fallback after socket', () => {
    expect(root.name).toBe('include');
    expect([...byName.keys()].sort()).toEqual([
      'voicebox_access',
      'voicebox_mailbox',
      'voicebox_not_reached',
    ]);
  });

  it.each([
    ['voicebox_mailbox', 'voicebox'],
    ['voicebox_access', 'access'],
  ])('%s sets what voicebox needs, then hands the call over with socket async full', (name, flow) => {
    const actions = actionsOf(name);
    const socketAt = actions.findIndex((a) => a.app === 'socket');
    expect(socketAt).toBeGreaterThan(0);
    expect(actions.filter((a) => a.app === 'socket')).toHaveLength(1);

    const [target, ...flags] = (actions[socketAt]?.data ?? '').split(/\s+/);
    expect(target).toBe('127.0.0.1:8084');
    expect(flags).toEqual(expect.arrayContaining(['async', 'full']));

    const sets = actions.slice(0, socketAt).filter((a) => a.app === 'set');
    expect(sets.map((a) => a.data)).toEqual(
      expect.arrayContaining([
        `voicebox_flow=${flow}`,
        'hangup_after_bridge=false',
        'continue_on_fail=true',
        'playback_terminators=none',
        'voicebox_token=CHANGE-ME-voicebox-token',
      ]),
    );
    // voicebox answers the call itself
    expect(actions.some((a) => a.app === 'answer' || a.app === 'pre_answer')).toBe(false);
    // after the socket: only the fallback for "voicebox unreachable", looked up when it runs
    expect(actions.slice(socketAt + 1)).toEqual([{ app: 'execute_extension', data: 'voicebox_not_reached' }]);
  });

  it('sets voicebox_token to a placeholder that voicebox refuses as freeswitch.token', () => {
    for (const name of ['voicebox_mailbox', 'voicebox_access']) {
      const token = actionsOf(name)
        .filter((a) => a.app === 'set' && a.data.startsWith('voicebox_token='))
        .map((a) => a.data.slice('voicebox_token='.length));
      expect(token).toEqual(['CHANGE-ME-voicebox-token']);
      let problem = '';
      try {
        parseConfig({ freeswitch: { token: token[0] } });
      } catch (e) {
        problem = (e as Error).message;
      }
      expect(problem).toMatch(/freeswitch\.token: this value is not valid/);
      expect(problem).not.toContain('CHANGE-ME');
    }
    expect(() => parseConfig({ freeswitch: { token: 'f3b9c2a77e1d4c0b9a8e6d5c4b3a2910' } })).not.toThrow();
    expect(() => parseConfig({ freeswitch: { token: 'short' } })).toThrow(/freeswitch\.token/);
  });

  it('routes the example mailbox numbers and access number, and nothing else', () => {
    const mailbox = expressionOf('voicebox_mailbox');
    const access = expressionOf('voicebox_access');
    for (const n of ['72001', '72999', '+4989123472001']) expect(n).toMatch(mailbox);
    for (const n of ['72000', '+4989123472000']) expect(n).toMatch(access);
    // the access number shares the mailboxes' range: the mailbox expression leaves it out
    for (const n of ['2001', '72000', '+4989123472000', '720011', '+4989123462001'])
      expect(n).not.toMatch(mailbox);
    for (const n of ['72001', '720001', '1000']) expect(n).not.toMatch(access);
    expect('voicebox_not_reached').not.toMatch(mailbox);
    expect('voicebox_not_reached').not.toMatch(access);
  });

  /** What FreeSWITCH's XML dialplan runs for an extension: each condition decides actions or anti-actions. */
  function run(name: string, fields: Record<string, string>): Array<{ app: string; data: string }> {
    const ran: Array<{ app: string; data: string }> = [];
    for (const cond of children(byName.get(name) as XmlElement, 'condition')) {
      const field = cond.attrs.field ?? '';
      const value = fields[field.replace(/^\$\{(.*)\}$/, '$1')] ?? '';
      const pass = new RegExp(cond.attrs.expression ?? '').test(value);
      for (const a of children(cond, pass ? 'action' : 'anti-action'))
        ran.push({ app: a.attrs.application ?? '', data: a.attrs.data ?? '' });
      if (!pass) break;
    }
    return ran;
  }

  it('after socket, hangs up with 503 only a call voicebox never answered: a call it ended keeps its cause', () => {
    const dialled = { destination_number: 'voicebox_not_reached' };
    // voicebox down: the call was never answered
    expect(run('voicebox_not_reached', dialled)).toEqual([
      { app: 'hangup', data: 'NORMAL_TEMPORARY_FAILURE' },
    ]);
    // voicebox answered (FreeSWITCH sets endpoint_disposition=ANSWER), ended it, or the caller hung up
    expect(run('voicebox_not_reached', { ...dialled, endpoint_disposition: 'ANSWER' })).toEqual([]);
    // a caller who dials the name reaches nothing else
    expect(run('voicebox_not_reached', { destination_number: '72001' })).toEqual([]);
  });
});

describe('freeswitch/autoload_configs/event_socket.conf.xml', () => {
  const root = parseXml(read('autoload_configs/event_socket.conf.xml'));
  const settings = children(root, 'settings');
  const params = new Map(
    children(settings[0] as XmlElement, 'param').map((p) => [p.attrs.name ?? '', p.attrs.value ?? '']),
  );

  it('configures mod_event_socket', () => {
    expect(root.name).toBe('configuration');
    expect(root.attrs.name).toBe('event_socket.conf');
    expect(settings).toHaveLength(1);
  });

  it('listens on 127.0.0.1:8021 behind the loopback ACL', () => {
    expect(params.get('listen-ip')).toBe('127.0.0.1');
    expect(params.get('listen-port')).toBe('8021');
    expect(params.get('apply-inbound-acl')).toBe('loopback.auto');
  });

  it("ships a password placeholder, not FreeSWITCH's default", () => {
    const password = params.get('password') ?? '';
    expect(password).not.toBe('');
    expect(password.toLowerCase()).not.toBe('cluecon');
    expect(password).toMatch(/CHANGE-ME/);
  });
});
