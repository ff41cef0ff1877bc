import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Rejection } from '../../alert/rejection.js';
import { errorResponse } from '../schemas.js';

/** Ingestion takes the key as X-API-KEY, a Bearer token or a Basic password. */
export const INGEST_SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];

/** The refusals every ingestion route may answer, in the one error shape. */
export const ingestErrorResponses = {
  400: errorResponse(
    'Malformed or empty JSON, a body that is not UTF-8, a number overflowing to Infinity, a `__proto__` key, or a bad query parameter.',
  ),
  401: errorResponse(
    'Missing or unknown API key, or a signed key whose request signature is missing, invalid, expired or replayed.',
  ),
  403: errorResponse('The API key may not post alerts of this provider (or is an admin key).'),
  404: errorResponse('Unknown provider type; `details.supported` lists the supported ones.'),
  413: errorResponse(
    'Body larger than BODY_LIMIT_BYTES, nested deeper than JSON_MAX_DEPTH, an array longer than JSON_MAX_ARRAY_LENGTH, or more alerts than MAX_ALERTS_PER_REQUEST.',
  ),
  415: errorResponse(
    'Unsupported Content-Type: send JSON (application/json, application/*+json or text/plain) or a form (application/x-www-form-urlencoded).',
  ),
  422: errorResponse(
    "The payload does not have the provider's shape (`details` names the failing path), or an alert time is out of the accepted window.",
  ),
  429: errorResponse(
    'Rate limit of the key and provider exceeded, or ingestion is shedding load (backpressure); retry after `Retry-After` seconds.',
  ),
  503: errorResponse('The queue (Redis) is unavailable: nothing was accepted; retry after `Retry-After` seconds.'),
};

/** Keep's query parameters of ingestion. */
export const IngestQuery = Type.Object({
  provider_id: Type.Optional(Type.String({ maxLength: 255, description: 'Provider instance the alerts belong to.' })),
  provider_name: Type.Optional(
    Type.String({ maxLength: 255, description: 'Used as provider_id when that is absent.' }),
  ),
  fingerprint: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Overrides every fingerprint.' }),
  ),
  api_key: Type.Optional(Type.String({ description: 'API key, when no header can be set.' })),
});

/** A request of an ingestion route: every one takes Keep's query parameters. */
export type IngestRequest = FastifyRequest & { query: Static<typeof IngestQuery> };

/** What an ingestion request came to once it is durably enqueued. */
export interface IngestOutcome {
  accepted: number;
  skipped: string[];
}

/**
 * Turns a route's (sanitized) body into its provider's payload, or refuses it; receives the
 * request's receive time.
 */
export type ToPayload = (body: unknown, now: Date) => { kind: 'payload'; payload: unknown } | Rejection;
