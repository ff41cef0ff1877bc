/**
 * The archive's ILM policy and index templates: read from es-templates/*.json (the reviewed
 * source of truth) and adapted to the configuration. Pure: no Elasticsearch calls here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { estypes } from '@elastic/elasticsearch';
import stringify from 'safe-stable-stringify';
import { archiveIndexPattern, rawArchiveIndexPattern } from './index-names.js';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../es-templates', import.meta.url));

/** A composable index template as PUT to `_index_template/<name>`. */
export type IndexTemplateBody = Omit<estypes.IndicesPutIndexTemplateRequest, 'name'>;

/** The configuration the templates are rendered for. */
export interface TemplateOptions {
  /** ARCHIVE_INDEX_PREFIX; also the policy and template name. */
  prefix: string;
  /** Index age (days since the alerts' day) at which ILM deletes it. */
  deleteAfterDays: number;
  shards: number;
  /** `1` → number_of_replicas; `0-1` → auto_expand_replicas. */
  replicas: string;
  /** Whether the cluster has ILM; without it the template carries no `index.lifecycle.*`. */
  ilm: boolean;
  /** Whether raw payloads are archived (adds the raw-payload template). */
  raw: boolean;
}

/** What to install, each body carrying `_meta.checksum` so an unchanged install is skipped. */
export interface ArchiveTemplates {
  policy: { name: string; body: estypes.IlmPolicy } | null;
  templates: { name: string; body: IndexTemplateBody }[];
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(`${TEMPLATES_DIR}/${file}`, 'utf8')) as T;
}

/** sha256 of the body without its checksum: changes whenever the file or the config changes it. */
export function checksumOf(body: unknown): string {
  return createHash('sha256')
    .update(stringify(body) ?? '')
    .digest('hex')
    .slice(0, 16);
}

function days(age: estypes.Duration | undefined): number {
  const match = /^(\d+)d$/.exec(String(age ?? ''));
  return match ? Number(match[1]) : 0;
}

/** The policy file with the configured delete age; phases at or past that age are left out. */
export function renderPolicy(options: TemplateOptions): estypes.IlmPolicy {
  const { policy } = readJson<{ policy: estypes.IlmPolicy }>('alerts-archive.ilm-policy.json');
  const phases: estypes.IlmPhases = {};
  for (const [name, phase] of Object.entries(policy.phases) as [keyof estypes.IlmPhases, estypes.IlmPhase][]) {
    if (name === 'delete') phases.delete = { ...phase, min_age: `${options.deleteAfterDays}d` };
    // ILM rejects a phase whose min_age is above a later phase's.
    else if (days(phase.min_age) < options.deleteAfterDays) phases[name] = phase;
  }
  const body: estypes.IlmPolicy = { ...policy, phases };
  return { ...body, _meta: { ...body._meta, checksum: checksumOf(body) } };
}

function renderTemplate(file: string, pattern: string, options: TemplateOptions): IndexTemplateBody {
  const base = readJson<IndexTemplateBody>(file);
  const settings: Record<string, unknown> = { ...(base.template?.settings as Record<string, unknown>) };
  settings['index.number_of_shards'] = options.shards;
  delete settings['index.number_of_replicas'];
  delete settings['index.auto_expand_replicas'];
  if (/^\d+$/.test(options.replicas)) settings['index.number_of_replicas'] = Number(options.replicas);
  else settings['index.auto_expand_replicas'] = options.replicas;
  if (options.ilm) settings['index.lifecycle.name'] = options.prefix;
  // Without ILM, `index.lifecycle.*` is an unknown setting and would fail every index creation.
  else delete settings['index.lifecycle.name'];
  const body: IndexTemplateBody = { ...base, index_patterns: [pattern], template: { ...base.template, settings } };
  return { ...body, _meta: { ...body._meta, checksum: checksumOf(body) } };
}

/** Everything the bootstrap installs for this configuration. */
export function renderTemplates(options: TemplateOptions): ArchiveTemplates {
  const templates = [
    {
      name: options.prefix,
      body: renderTemplate('alerts-archive.index-template.json', archiveIndexPattern(options.prefix), options),
    },
  ];
  if (options.raw) {
    templates.push({
      name: `${options.prefix}_raw`,
      body: renderTemplate('alerts-archive-raw.index-template.json', rawArchiveIndexPattern(options.prefix), options),
    });
  }
  return { policy: options.ilm ? { name: options.prefix, body: renderPolicy(options) } : null, templates };
}
