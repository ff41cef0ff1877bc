import { parseArgs } from 'node:util';
import { ApiKeyStore, KeyInputError } from '../auth/api-keys.js';
import { generateSigningSecret } from '../auth/standard-webhooks.js';
import { PROVIDER_ADAPTERS } from '../providers/catalog.js';
import { ProviderRegistry } from '../providers/registry.js';
import type { Database } from '../store/db.js';

export const KEYS_USAGE = `usage: alertgate keys <create|list|rotate|revoke>
  keys create --tenant <t> [--name <n>] [--providers a,b] [--admin] [--signing-secret <whsec_…|new>]
                       prints the new key alone on the last line
  keys list [--tenant <t>]
  keys rotate <id> [--signing-secret <whsec_…|new|none>]
                       issues a new key with the same scope and signing secret (unless given);
                       the old one works until revoked
  keys revoke <id>
--signing-secret: ingestion with the key must then carry a Standard Webhooks signature made with
this secret; "new" generates one (printed once, on the line before the key).`;

/** `alertgate keys …`: manage API keys. Plaintext keys are printed once and never stored. */
export async function runKeysCommand(args: string[], database: Database): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      providers: { type: 'string' },
      admin: { type: 'boolean', default: false },
      'signing-secret': { type: 'string' },
    },
  });
  const store = new ApiKeyStore(database.db, 0);
  try {
    switch (action) {
      case 'create': {
        if (!values.tenant) throw new UsageError('keys create needs --tenant');
        const signingSecret = signingSecretOption(values['signing-secret']) ?? null;
        const created = await store.create({
          tenant: values.tenant,
          name: values.name ?? (values.admin ? 'admin' : 'webhook'),
          providers: values.providers === undefined ? null : providerTypes(values.providers),
          isAdmin: values.admin,
          signingSecret,
        });
        console.error(
          `created ${values.admin ? 'admin ' : ''}key ${created.id} for tenant ${values.tenant}; it is shown once:`,
        );
        if (values['signing-secret'] === 'new') console.log(signingSecret);
        console.log(created.key);
        return 0;
      }
      case 'list':
        for (const key of await store.list(values.tenant)) {
          const scope = key.isAdmin
            ? 'admin'
            : key.providers
              ? `providers=${key.providers.join(',')}`
              : 'all providers';
          const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
          console.log(`${key.id}  ${key.tenant}  ${key.name}  ${scope}${key.signed ? '  signed' : ''}  ${state}`);
        }
        return 0;
      case 'rotate': {
        const id = keyId('rotate', positionals[0]);
        const signingSecret = signingSecretOption(values['signing-secret']);
        const created = await store.rotate(id, { signingSecret });
        console.error(`new key ${created.id} replaces ${id}; revoke the old one once clients switched:`);
        if (values['signing-secret'] === 'new') console.log(signingSecret);
        console.log(created.key);
        return 0;
      }
      case 'revoke': {
        const id = keyId('revoke', positionals[0]);
        if (!(await store.revoke(id))) throw new UsageError(`no active key with id ${id}`);
        console.error(`revoked ${id}`);
        return 0;
      }
      default:
        throw new UsageError(KEYS_USAGE);
    }
  } catch (error) {
    if (error instanceof KeyInputError) throw new UsageError(error.message);
    throw error;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key id argument of `action`, which PostgreSQL would refuse with a stack trace unless a UUID. */
function keyId(action: string, id: string | undefined): string {
  if (!id) throw new UsageError(`keys ${action} needs the key id`);
  if (!UUID.test(id)) throw new UsageError(`keys ${action}: "${id}" is not a key id (a UUID, as \`keys list\` prints)`);
  return id;
}

/** `--signing-secret`: a secret, `new` (generate one), `none` (no signing); undefined when absent. */
function signingSecretOption(value: string | undefined): string | null | undefined {
  if (value === 'new') return generateSigningSecret();
  if (value === 'none') return null;
  return value;
}

/**
 * Provider names resolved to their canonical types, since ingestion checks the canonical type: a
 * key scoped to the alias `alertmanager` must accept `prometheus` posts, and a misspelt name must
 * fail here rather than leave a key that can post nothing.
 */
function providerTypes(list: string): string[] {
  const registry = new ProviderRegistry(PROVIDER_ADAPTERS);
  const names = list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !registry.get(name));
  if (unknown.length > 0 || names.length === 0)
    throw new UsageError(
      `unknown provider(s) ${unknown.join(', ') || '(none given)'}; known: ${registry.types().join(', ')}`,
    );
  return [...new Set(names.map((name) => registry.get(name)?.adapter.type as string))];
}

export class UsageError extends Error {}
