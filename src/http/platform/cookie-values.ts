/**
 * Every value of the cookie `name` in a `Cookie` header, in order. A browser sends several when a
 * sibling subdomain or a less specific path set one of the same name (cookie tossing); the `cookie`
 * package's `parse` keeps only the first, which an attacker can control.
 */
export function cookieValuesOf(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  if (!header || name === '') {
    return values;
  }
  // Only the pairs named `name` are looked at: the rest of the header (analytics, preferences) is skipped, not split.
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    const equals = skipWhitespace(header, at + name.length);
    if (header[equals] === '=' && startsPair(header, at)) {
      const end = header.indexOf(';', equals);
      values.push(decode(unquote(trimWhitespace(header.slice(equals + 1, end === -1 ? header.length : end)))));
    }
  }
  return values;
}

/** Whether `at` starts a pair's name: only spaces and tabs between it and the header's start or the previous `;`. */
function startsPair(header: string, at: number): boolean {
  let before = at - 1;
  while (before >= 0 && (header[before] === ' ' || header[before] === '\t')) {
    before--;
  }
  return before < 0 || header[before] === ';';
}

function skipWhitespace(header: string, from: number): number {
  let at = from;
  while (header[at] === ' ' || header[at] === '\t') {
    at++;
  }
  return at;
}

/** Cookie headers separate pairs with spaces and tabs only (RFC 6265): no wider Unicode trimming. */
function trimWhitespace(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** As the `cookie` package decodes: percent-escapes where they are valid, the raw text where not. */
function decode(value: string): string {
  if (!value.includes('%')) {
    return value;
  }
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
