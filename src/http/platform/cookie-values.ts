/**
 * Every value of the cookie `name` in a `Cookie` header, in order. A browser sends several when a
 * sibling subdomain or a less specific path set one of the same name (cookie tossing); the `cookie`
 * package's `parse` keeps only the first, which an attacker can control.
 */
export function cookieValuesOf(header: string | undefined, name: string): string[] {
  if (!header) {
    return [];
  }
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1 && trimWhitespace(pair.slice(0, equals)) === name) {
      values.push(decode(unquote(trimWhitespace(pair.slice(equals + 1)))));
    }
  }
  return values;
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
