/**
 * The DBSC headers as a browser reads and writes them: structured-field lists (RFC 9651) for
 * `Secure-Session-Registration` and `Secure-Session-Challenge`, sf-strings for the request headers.
 */

/** A bare item with its structured-field type (a token and a string of the same text differ). */
export interface SfItem {
  type: 'string' | 'token' | 'number' | 'boolean';
  value: string;
}

/** One list member: an inner list (`items`) or a single item, with its parameters. */
export interface SfMember {
  items?: SfItem[];
  item?: SfItem;
  params: Record<string, SfItem>;
}

/** One entry of `Secure-Session-Registration` the browser acts on (spec "process session registration"). */
export interface RegistrationOffer {
  algorithms: string[];
  path: string;
  challenge?: string;
  authorization?: string;
}

/** The members of a structured-field list; throws on what RFC 9651 would refuse to parse. */
export function parseSfList(header: string): SfMember[] {
  const cursor = { text: header.trim(), at: 0 };
  const members: SfMember[] = [];
  while (cursor.at < cursor.text.length) {
    members.push(cursor.text[cursor.at] === '(' ? innerList(cursor) : { item: bareItem(cursor), params: {} });
    Object.assign(members[members.length - 1].params, params(cursor));
    skip(cursor, /[ \t]/);
    if (cursor.at < cursor.text.length && cursor.text[cursor.at++] !== ',') {
      throw new SyntaxError(`unexpected character at ${cursor.at - 1} in ${header}`);
    }
    skip(cursor, /[ \t]/);
  }
  return members;
}

/** The usable registration offers: inner lists of tokens with a string `path` (others are ignored, as the spec says). */
export function registrationOffers(header: string | null): RegistrationOffer[] {
  return parseSfList(header ?? '').flatMap(({ items, params: p }) => {
    if (!items || p.path?.type !== 'string' || !optionalString(p.challenge) || !optionalString(p.authorization)) {
      return [];
    }
    const algorithms = items.filter((item) => item.type === 'token').map((item) => item.value);
    return [{ algorithms, path: p.path.value, challenge: p.challenge?.value, authorization: p.authorization?.value }];
  });
}

/** The challenges of `Secure-Session-Challenge`: string items with a string `id` naming the session. */
export function challengesOf(header: string | null): { challenge: string; id: string }[] {
  return parseSfList(header ?? '').flatMap(({ item, params: p }) =>
    item?.type === 'string' && p.id?.type === 'string' ? [{ challenge: item.value, id: p.id.value }] : [],
  );
}

/** `value` serialized as an sf-string (the spec's form of `Secure-Session-Response` and `Sec-Secure-Session-Id`). */
export function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

type Cursor = { text: string; at: number };

function innerList(cursor: Cursor): SfMember {
  cursor.at++;
  const items: SfItem[] = [];
  for (skip(cursor, / /); cursor.text[cursor.at] !== ')'; skip(cursor, / /)) {
    if (cursor.at >= cursor.text.length) {
      throw new SyntaxError('unterminated inner list');
    }
    items.push(bareItem(cursor));
    params(cursor); // parameters of items in the inner list: DBSC defines none
  }
  cursor.at++;
  return { items, params: {} };
}

function params(cursor: Cursor): Record<string, SfItem> {
  const result: Record<string, SfItem> = {};
  while (cursor.text[cursor.at] === ';') {
    cursor.at++;
    skip(cursor, / /);
    const key = match(cursor, /^[a-z*][a-z0-9_\-.*]*/, 'parameter key');
    result[key] = cursor.text[cursor.at] === '=' ? (cursor.at++, bareItem(cursor)) : { type: 'boolean', value: '?1' };
  }
  return result;
}

function bareItem(cursor: Cursor): SfItem {
  const c = cursor.text[cursor.at];
  if (c === '"') {
    return { type: 'string', value: sfStringAt(cursor) };
  }
  if (c === '?') {
    return { type: 'boolean', value: match(cursor, /^\?[01]/, 'boolean') };
  }
  if (/[-0-9]/.test(c ?? '')) {
    return { type: 'number', value: match(cursor, /^-?\d+(\.\d+)?/, 'number') };
  }
  return { type: 'token', value: match(cursor, /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/, 'token') };
}

function sfStringAt(cursor: Cursor): string {
  let value = '';
  for (cursor.at++; cursor.at < cursor.text.length; cursor.at++) {
    const c = cursor.text[cursor.at];
    if (c === '"') {
      cursor.at++;
      return value;
    }
    if (c === '\\') {
      const escaped = cursor.text[++cursor.at];
      if (escaped !== '"' && escaped !== '\\') {
        throw new SyntaxError('bad escape in sf-string');
      }
      value += escaped;
    } else if (c < ' ' || c > '~') {
      throw new SyntaxError('non-printable character in sf-string');
    } else {
      value += c;
    }
  }
  throw new SyntaxError('unterminated sf-string');
}

function match(cursor: Cursor, pattern: RegExp, what: string): string {
  const found = pattern.exec(cursor.text.slice(cursor.at));
  if (!found) {
    throw new SyntaxError(`expected a ${what} at ${cursor.at} in ${cursor.text}`);
  }
  cursor.at += found[0].length;
  return found[0];
}

function skip(cursor: Cursor, space: RegExp): void {
  while (cursor.at < cursor.text.length && space.test(cursor.text[cursor.at])) {
    cursor.at++;
  }
}

function optionalString(item: SfItem | undefined): boolean {
  return item === undefined || item.type === 'string';
}
