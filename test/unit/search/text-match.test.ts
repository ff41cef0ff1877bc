import { describe, expect, it } from 'vitest';
import { MAX_TERMS, TextQueryError, textTerms } from '../../../src/search/text-match.js';

describe('textTerms', () => {
  it('splits at every non-ASCII-alphanumeric character and lowercases', () => {
    expect(textTerms('Disk-Full db_1 10.0.0.1')).toEqual(['disk', 'full', 'db', '1', '10', '0']);
    expect(textTerms("can't")).toEqual(['can', 't']);
  });

  it('is empty for blank input', () => {
    expect(textTerms('')).toEqual([]);
    expect(textTerms('   ')).toEqual([]);
  });

  it('refuses non-ASCII letters and digits, naming the character', () => {
    expect(() => textTerms('磁盘 full')).toThrow(/"磁"/);
    expect(() => textTerms('Ärger')).toThrow(TextQueryError);
    expect(() => textTerms('٣')).toThrow(TextQueryError);
  });

  it('accepts non-ASCII punctuation and symbols as separators', () => {
    expect(textTerms('disk — full ✓')).toEqual(['disk', 'full']);
  });

  it('refuses input without terms and too many terms', () => {
    expect(() => textTerms('*** ---')).toThrow(/no searchable term/);
    const many = Array.from({ length: MAX_TERMS + 1 }, (_, i) => `t${i}`).join(' ');
    expect(() => textTerms(many)).toThrow(/at most/);
    expect(textTerms(many.split(' ').slice(0, MAX_TERMS).join(' '))).toHaveLength(MAX_TERMS);
  });
});
