import { describe, expect, it } from 'vitest';
import { ConfigFileError } from '../../../src/config-file.js';
import { loadTargetsFile } from '../../../src/publish/target-schema.js';
import { writeTargetsFile } from '../../support/publish.js';

describe('TARGETS_FILE', () => {
  it('loads valid targets with defaults', () => {
    const file = writeTargetsFile([
      { name: 'hook', type: 'webhook', settings: { url: 'https://example.com/hook' } },
      {
        name: 'pager',
        type: 'pagerduty',
        routes: [{ minSeverity: 'high', tenants: ['acme'] }],
        settings: { routingKey: 'R'.repeat(32) },
      },
    ]);
    const targets = loadTargetsFile(file);
    expect(targets.map((t) => [t.name, t.enabled, t.source])).toEqual([
      ['hook', true, 'file'],
      ['pager', true, 'file'],
    ]);
    expect(targets[1]?.settings.url).toBe('https://events.pagerduty.com/v2/enqueue');
  });

  it('reports every problem with its path', () => {
    const file = writeTargetsFile([
      { name: 'a', type: 'slack', settings: {} },
      { name: 'a', type: 'webhook', settings: { url: 'ftp://nope' } },
      { name: 'b', type: 'nope' as never, settings: {} },
      { name: 'c', type: 'webhook', routes: [{ minSeverity: 'urgent' as never }], settings: { url: 'https://x' } },
    ]);
    let error: ConfigFileError | undefined;
    try {
      loadTargetsFile(file);
    } catch (caught) {
      error = caught as ConfigFileError;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    const text = error?.problems.join('\n') ?? '';
    expect(text).toContain('/targets/2/type');
    expect(text).toContain('/targets/3/routes/0/minSeverity');
  });

  it('checks settings per type once the envelope is valid', () => {
    const file = writeTargetsFile([
      { name: 'a', type: 'slack', settings: {} },
      { name: 'a', type: 'webhook', settings: { url: 'ftp://nope' } },
    ]);
    expect(() => loadTargetsFile(file)).toThrow(ConfigFileError);
    try {
      loadTargetsFile(file);
    } catch (caught) {
      const text = (caught as ConfigFileError).problems.join('\n');
      expect(text).toContain('/targets/0/settings');
      expect(text).toContain('/targets/1/name: duplicate target name "a"');
      expect(text).toContain('/targets/1/settings/url');
    }
  });
});
