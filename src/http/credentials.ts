import type { FastifyRequest } from 'fastify';

/**
 * The API key a request carries, in Keep's order of precedence: `Authorization: Bearer <key>`,
 * `X-API-KEY`, `?api_key=`, `Authorization: Basic` (the password is the key) and
 * `Authorization: Digest <key>` (the whole credential string is the key).
 * Returns null when no credential is present; throws on an unusable Authorization header.
 */
export function extractApiKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  const [scheme, ...rest] = (authorization ?? '').trim().split(/\s+/);
  const credential = rest.join(' ');
  if (authorization && scheme?.toLowerCase() === 'bearer' && credential) return credential;

  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  // Read before any route's validation, on every route: the query is whatever the client sent.
  const query = (request.query as Record<string, unknown> | undefined)?.api_key;
  if (typeof query === 'string' && query !== '') return query;

  if (!authorization) return null;
  switch (scheme?.toLowerCase()) {
    case 'basic': {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator < 0 || separator === decoded.length - 1)
        throw new CredentialError('Basic credentials must carry the API key as password');
      return decoded.slice(separator + 1);
    }
    case 'digest':
      if (!credential) throw new CredentialError('empty Digest credentials');
      return credential;
    default:
      throw new CredentialError(`unsupported Authorization scheme "${scheme}"`);
  }
}

export class CredentialError extends Error {}
