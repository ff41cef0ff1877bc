/**
 * Free-text (`q`) matching rules, shared by both stores so one query gives one answer:
 *
 * 1. `q` is split into terms at every character that is not an ASCII letter or digit
 *    (`disk-full db_1` → `disk`, `full`, `db`, `1`). Terms are lowercased.
 * 2. An alert matches when EVERY term occurs, case-insensitively, as a substring of its name,
 *    description or message (each term may match a different field).
 * 3. Letters and digits outside ASCII in `q` are refused (400): the stores split non-Latin text
 *    into words differently, so no identical rule exists for them. They may still appear in the text
 *    being searched.
 *
 * Why both stores agree: PostgreSQL tests `lower(name || ' ' || description || ' ' || message)
 * LIKE '%term%'` (the pg_trgm index expression). Elasticsearch tests `*term*` against the tokens of
 * the standard analyzer. Unicode word segmentation never breaks inside a run of ASCII letters and
 * digits (UAX #29 WB5, WB8–WB10), so such a term is a substring of the text exactly when it is a
 * substring of one token; both sides lowercase per character with the Unicode simple mapping (the
 * only non-ASCII characters that lowercase into ASCII, U+0130 and U+212A, map the same way). The one
 * known divergence: Elasticsearch cuts tokens longer than 255 characters, so a term straddling the
 * 255th character of such a run matches only in PostgreSQL.
 */

const TERM_SEPARATOR = /[^A-Za-z0-9]+/;
const NON_ASCII_WORD_CHARACTER = /(?![\p{ASCII}])[\p{L}\p{N}]/u;

/** Most terms one query may carry: each costs an index condition on both stores. */
export const MAX_TERMS = 16;

/** A problem with `q`, phrased for the client. */
export class TextQueryError extends Error {
  override name = 'TextQueryError';
}

/** The terms of `q` per the rules above (deduplicated, in order); [] when q is blank. */
export function textTerms(q: string): string[] {
  if (q.trim() === '') return [];
  const foreign = NON_ASCII_WORD_CHARACTER.exec(q);
  if (foreign) {
    throw new TextQueryError(
      `"${foreign[0]}" is not searchable: terms are ASCII letters and digits (other characters separate terms)`,
    );
  }
  const terms = [...new Set(q.toLowerCase().split(TERM_SEPARATOR).filter(Boolean))];
  if (terms.length === 0) throw new TextQueryError('has no searchable term (ASCII letters or digits)');
  if (terms.length > MAX_TERMS) throw new TextQueryError(`has ${terms.length} terms; at most ${MAX_TERMS} are allowed`);
  return terms;
}
