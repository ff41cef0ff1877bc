import { type Client, errors } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { type ArchiveTemplates, renderTemplates, type TemplateOptions } from './templates.js';

/** What one bootstrap found and did. */
export interface BootstrapResult {
  /** Whether the cluster has ILM (policy attached) or not (the archiver enforces the delete age). */
  ilm: boolean;
  /** Policies and templates written because they were missing or their checksum differed. */
  installed: string[];
  unchanged: string[];
}

/** ILM is present when `GET _ilm/status` answers; core and OSS builds answer 400/404/405 instead. */
export async function detectIlm(client: Client): Promise<boolean> {
  try {
    await client.ilm.getStatus();
    return true;
  } catch (error) {
    if (error instanceof errors.ResponseError && [400, 404, 405].includes(error.statusCode ?? 0)) return false;
    throw error;
  }
}

function checksum(meta: unknown): unknown {
  return (meta as { checksum?: unknown } | undefined)?.checksum;
}

/**
 * Installs the policy and templates whose stored `_meta.checksum` differs from the rendered one,
 * so repeated starts write nothing and a changed file or setting is re-applied.
 */
export async function applyTemplates(
  client: Client,
  rendered: ArchiveTemplates,
): Promise<Omit<BootstrapResult, 'ilm'>> {
  const installed: string[] = [];
  const unchanged: string[] = [];
  if (rendered.policy) {
    const { name, body } = rendered.policy;
    const existing = await client.ilm.getLifecycle({ name }, { ignore: [404] });
    if (checksum(existing[name]?.policy._meta) === checksum(body._meta)) unchanged.push(`ilm-policy/${name}`);
    else {
      await client.ilm.putLifecycle({ name, policy: body });
      installed.push(`ilm-policy/${name}`);
    }
  }
  for (const { name, body } of rendered.templates) {
    const existing = await client.indices.getIndexTemplate({ name }, { ignore: [404] });
    const current = existing.index_templates?.find((item) => item.name === name)?.index_template;
    if (checksum(current?._meta) === checksum(body._meta)) unchanged.push(`index-template/${name}`);
    else {
      await client.indices.putIndexTemplate({ name, ...body });
      installed.push(`index-template/${name}`);
    }
  }
  return { installed, unchanged };
}

/**
 * Bootstraps the archive's Elasticsearch side once per process: detects ILM, then applies the
 * policy and templates. A failed attempt is retried by the next `ensure`; the missing-ILM warning
 * is logged once.
 */
export class ArchiveBootstrap {
  private done: BootstrapResult | undefined;
  private warned = false;

  constructor(
    private readonly client: Client,
    private readonly options: Omit<TemplateOptions, 'ilm'>,
    private readonly log: Logger,
  ) {}

  async ensure(): Promise<BootstrapResult> {
    if (this.done) return this.done;
    const ilm = await detectIlm(this.client);
    if (!ilm && !this.warned) {
      this.warned = true;
      this.log.warn(
        { deleteAfterDays: this.options.deleteAfterDays },
        'Elasticsearch has no ILM (GET _ilm/status failed): archive indices get no lifecycle policy; ' +
          'the archiver itself deletes daily indices older than ARCHIVE_DELETE_AFTER_DAYS',
      );
    }
    const result = { ilm, ...(await applyTemplates(this.client, renderTemplates({ ...this.options, ilm }))) };
    if (result.installed.length > 0) this.log.info({ installed: result.installed }, 'archive templates applied');
    this.done = result;
    return result;
  }
}
