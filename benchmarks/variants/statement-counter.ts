import { Client } from 'pg';

let statements = 0;
const texts = new Map<string, number>();

/** The SQL text of a `Client.query` call, as given: a string, or a config object with `text`. */
function textOf(query: unknown): string {
  const text = typeof query === 'string' ? query : (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '(not a text query)';
}

/**
 * Counts every statement this process sends to PostgreSQL, and how often each SQL text is sent,
 * by wrapping `pg`'s `Client.query`, which both TypeORM and connect-pg-simple go through. Exact and
 * per app, unlike the database's own counters (shared, and flushed up to 10 s late). Call before
 * any pool is created.
 */
export function countStatements(): void {
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = prototype.query;
  prototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
    statements++;
    const text = textOf(args[0]);
    texts.set(text, (texts.get(text) ?? 0) + 1);
    return query.apply(this, args);
  };
}

/** Statements sent so far. */
export function statementsSent(): number {
  return statements;
}

/** How many times each SQL text was sent so far, whitespace collapsed (done here, not per query). */
export function statementTexts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [text, count] of texts) {
    const normalized = text.replace(/\s+/g, ' ').trim();
    counts[normalized] = (counts[normalized] ?? 0) + count;
  }
  return counts;
}
