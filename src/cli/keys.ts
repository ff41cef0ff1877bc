import { parseArgs } from 'node:util';
import { ApiKeyStore } from '../auth/api-keys.js';
import type { Database } from '../store/db.js';

export const KEYS_USAGE = `usage: alertgate keys <create|list|rotate|revoke>
  keys create --tenant <t> [--name <n>] [--providers a,b] [--admin]   prints the new key alone on the last line
  keys list [--tenant <t>]
  keys rotate <id>     issues a new key with the same scope; the old one works until revoked
  keys revoke <id>`;

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
    },
  });
  const store = new ApiKeyStore(database.db, 0);
  switch (action) {
    case 'create': {
      if (!values.tenant) throw new UsageError('keys create needs --tenant');
      const providers =
        values.providers
          ?.split(',')
          .map((item) => item.trim())
          .filter(Boolean) ?? null;
      const created = await store.create({
        tenant: values.tenant,
        name: values.name ?? (values.admin ? 'admin' : 'webhook'),
        providers,
        isAdmin: values.admin,
      });
      console.error(
        `created ${values.admin ? 'admin ' : ''}key ${created.id} for tenant ${values.tenant}; it is shown once:`,
      );
      console.log(created.key);
      return 0;
    }
    case 'list':
      for (const key of await store.list(values.tenant)) {
        const scope = key.isAdmin ? 'admin' : key.providers ? `providers=${key.providers.join(',')}` : 'all providers';
        const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
        console.log(`${key.id}  ${key.tenant}  ${key.name}  ${scope}  ${state}`);
      }
      return 0;
    case 'rotate': {
      const id = positionals[0];
      if (!id) throw new UsageError('keys rotate needs the key id');
      const created = await store.rotate(id);
      console.error(`new key ${created.id} replaces ${id}; revoke the old one once clients switched:`);
      console.log(created.key);
      return 0;
    }
    case 'revoke': {
      const id = positionals[0];
      if (!id) throw new UsageError('keys revoke needs the key id');
      if (!(await store.revoke(id))) throw new UsageError(`no active key with id ${id}`);
      console.error(`revoked ${id}`);
      return 0;
    }
    default:
      throw new UsageError(KEYS_USAGE);
  }
}

export class UsageError extends Error {}
