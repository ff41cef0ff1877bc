import { describe, expect, it } from 'vitest';
import { renderPolicy, renderTemplates, type TemplateOptions } from '../../../src/archive/templates.js';

const base: TemplateOptions = {
  prefix: 'alerts-archive',
  deleteAfterDays: 365,
  shards: 1,
  replicas: '0-1',
  ilm: false,
  raw: false,
};

const settingsOf = (options: TemplateOptions, at = 0) =>
  renderTemplates(options).templates[at]?.body.template?.settings as Record<string, unknown>;

describe('archive templates', () => {
  it('installs no policy and no lifecycle setting without ILM', () => {
    const rendered = renderTemplates(base);
    expect(rendered.policy).toBeNull();
    expect(rendered.templates.map((t) => t.name)).toEqual(['alerts-archive']);
    expect(rendered.templates[0]?.body.index_patterns).toEqual(['alerts-archive-*']);
    expect(settingsOf(base)).not.toHaveProperty('index.lifecycle.name');
    expect(settingsOf(base)).toMatchObject({ 'index.codec': 'best_compression', 'index.auto_expand_replicas': '0-1' });
  });

  it('attaches the policy named after the prefix with ILM, and adds the raw template on request', () => {
    const options = { ...base, prefix: 'arch', ilm: true, raw: true };
    const rendered = renderTemplates(options);
    expect(rendered.policy?.name).toBe('arch');
    expect(rendered.templates.map((t) => [t.name, t.body.index_patterns])).toEqual([
      ['arch', ['arch-*']],
      ['arch_raw', ['arch_raw-*']],
    ]);
    expect(settingsOf(options, 1)).toMatchObject({ 'index.lifecycle.name': 'arch' });
  });

  it('maps a replica count to number_of_replicas and a range to auto_expand_replicas', () => {
    const fixed = settingsOf({ ...base, replicas: '2', shards: 3 });
    expect(fixed).toMatchObject({ 'index.number_of_replicas': 2, 'index.number_of_shards': 3 });
    expect(fixed).not.toHaveProperty('index.auto_expand_replicas');
  });

  it('puts the configured delete age in the policy and leaves out phases at or past it', () => {
    const phases = (deleteAfterDays: number) => renderPolicy({ ...base, deleteAfterDays }).phases;
    expect(phases(365)).toMatchObject({
      hot: { min_age: '0ms' },
      warm: { min_age: '7d', actions: { forcemerge: { max_num_segments: 1 } } },
      cold: { min_age: '30d' },
      delete: { min_age: '365d', actions: { delete: {} } },
    });
    expect(Object.keys(phases(20))).toEqual(['hot', 'warm', 'delete']);
    expect(Object.keys(phases(5))).toEqual(['hot', 'delete']);
  });

  it('changes the checksum whenever the rendered body changes, and only then', () => {
    const checksum = (options: TemplateOptions) => renderTemplates(options).templates[0]?.body._meta?.checksum;
    expect(checksum(base)).toBe(checksum({ ...base }));
    expect(checksum({ ...base, shards: 2 })).not.toBe(checksum(base));
    expect(checksum({ ...base, ilm: true })).not.toBe(checksum(base));
    expect(renderPolicy({ ...base, deleteAfterDays: 90 })._meta?.checksum).not.toBe(renderPolicy(base)._meta?.checksum);
  });
});
