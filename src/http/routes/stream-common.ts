/** What the SSE and WebSocket stream routes share: query schema, filter parsing, admission. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { RealtimeEventLog } from '../../realtime/event-log.js';
import { STREAM_ID } from '../../realtime/events.js';
import type { StreamHub } from '../../realtime/hub.js';
import { parseSearchInput, SearchInputError } from '../../search/search-input.js';
import type { SearchFilters } from '../../search/types.js';
import { principalOf } from '../authenticate.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';
import { SearchFields } from './search-schemas.js';

export interface StreamRouteDeps {
  /** Tenant-key authentication (`createAuthenticate(keys, { admin: false })`). */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  hub: StreamHub;
  events: RealtimeEventLog;
  /** Reconnect delay suggested to SSE clients, in ms. */
  retryMs: number;
}

const { provider, severity, status, fingerprint, service, environment, labels, q } = SearchFields.properties;

/** Search's filter fields (same semantics), plus the resume position and the key for browsers. */
export const StreamQuery = Type.Object(
  {
    provider,
    severity,
    status,
    fingerprint,
    service,
    environment,
    labels,
    q,
    lastEventId: Type.Optional(
      Type.String({
        pattern: STREAM_ID.source,
        description: 'Resume after this event id (the `Last-Event-ID` header wins when both are sent).',
      }),
    ),
    api_key: Type.Optional(
      Type.String({ description: 'The API key, for clients that cannot set headers (browser EventSource).' }),
    ),
  },
  { additionalProperties: false },
);

export const streamErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };

export const STREAM_SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];

/** A subscription as admitted: the tenant's filters and where to resume. */
export interface Admitted {
  filters: SearchFilters;
  lastEventId: string | null;
}

const admitted = new WeakMap<FastifyRequest, Admitted>();

/**
 * preHandler of both stream routes: parses the filters for the caller's tenant and refuses a full
 * gateway, so every refusal is an HTTP answer before the response turns into a stream.
 */
export function admitSubscription(hub: StreamHub) {
  return async function admit(request: FastifyRequest & { query: Static<typeof StreamQuery> }): Promise<void> {
    const { query } = request;
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && header !== '' ? header : (query.lastEventId ?? null);
    if (lastEventId !== null && !STREAM_ID.test(lastEventId))
      throw new ApiError('bad_request', `Last-Event-ID "${lastEventId}" is not an event id of this stream`);
    if (hub.full) {
      throw new ApiError('service_unavailable', 'this gateway serves its maximum of stream subscribers', undefined, {
        'retry-after': '5',
      });
    }
    let filters: SearchFilters;
    try {
      filters = parseSearchInput(principalOf(request).tenant, query).filters;
    } catch (error) {
      if (error instanceof SearchInputError)
        throw new ApiError('bad_request', error.message, { parameter: error.parameter });
      throw error;
    }
    admitted.set(request, { filters, lastEventId });
  };
}

/** The admission of a request that passed admitSubscription. */
export function admissionOf(request: FastifyRequest): Admitted {
  const admission = admitted.get(request);
  if (!admission) throw new Error('stream route without admitSubscription');
  return admission;
}
