/** Request and response schemas of the alert search API (also its OpenAPI description). */
import { Type } from 'typebox';
import { SEVERITIES, STATUSES } from '../../alert/alert.js';
import { MAX_LIMIT } from '../../search/search-input.js';
import { ErrorBody } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/** A stored alert as the search API returns it (the canonical Alert). */
export const AlertBody = Type.Object({
  id: Type.String({ format: 'uuid' }),
  eventId: Nullable(Type.String()),
  fingerprint: Type.String(),
  tenant: Type.String(),
  providerType: Type.String(),
  providerId: Nullable(Type.String()),
  receivedAt: Type.String({ format: 'date-time' }),
  name: Type.String(),
  status: Type.Enum(STATUSES),
  severity: Type.Enum(SEVERITIES),
  lastReceived: Type.String({ format: 'date-time' }),
  description: Nullable(Type.String()),
  message: Nullable(Type.String()),
  source: Type.Array(Type.String()),
  service: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  url: Nullable(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  extra: Type.Record(Type.String(), Type.Unknown()),
});

const StoreErrorBody = Type.Object({
  source: Type.Enum(['postgres', 'elasticsearch']),
  error: Type.Enum(['timeout', 'unavailable', 'failed']),
  message: Type.String(),
});

const SourceBody = Type.Object({
  took_ms: Type.Integer(),
  hits: Type.Integer({
    description: 'Matches this store counted in its part of the window (up to SEARCH_TOTAL_LIMIT).',
  }),
  status: Type.Enum(['ok', 'skipped', 'timeout', 'unavailable', 'failed']),
});

/** One page of a federated search. */
export const SearchResponseBody = Type.Object({
  items: Type.Array(AlertBody),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page.' }),
  total: Type.Object({
    value: Type.Integer(),
    relation: Type.Enum(['eq', 'gte'], { description: '`gte`: a store stopped counting at SEARCH_TOTAL_LIMIT.' }),
  }),
  sources: Type.Object({ postgres: SourceBody, elasticsearch: SourceBody }),
  partial: Type.Boolean({ description: 'A store failed; `errors` names it and items come from the others.' }),
  errors: Type.Optional(Type.Array(StoreErrorBody)),
});

/** Printable text: stored values may hold any of it, and it is only ever a bound value. */
const Literal = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const list = <T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) =>
  Type.Optional(Type.Array(item, { maxItems: 50, description: `${description} Repeat to match any of several.` }));

/** The pagination fields shared by search and fingerprint history. */
export const PageFields = {
  from: Type.Optional(
    Type.String({ maxLength: 64, description: 'ISO-8601 date-time with offset, inclusive. Default: to − 24 h.' }),
  ),
  to: Type.Optional(
    Type.String({ maxLength: 64, description: 'ISO-8601 date-time with offset, inclusive. Default: now.' }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `Page size, 1–${MAX_LIMIT}. Default: 50.` }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: 2048, description: 'Opaque `nextCursor` of the previous page (same filters).' }),
  ),
  sort: Type.Optional(Type.Enum(['receivedAt:desc', 'receivedAt:asc'], { description: 'Default: desc.' })),
};

/** Every field of a search, as query parameters (GET) or JSON properties (POST). */
export const SearchFields = Type.Object(
  {
    ...PageFields,
    q: Type.Optional(
      Type.String({
        maxLength: 512,
        description:
          'Free text: every ASCII letter/digit term must occur (case-insensitive substring) in name, description or message.',
      }),
    ),
    provider: list(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }), 'Provider type.'),
    severity: list(Type.Enum(SEVERITIES), 'Severity.'),
    status: list(Type.Enum(STATUSES), 'Status.'),
    fingerprint: list(Literal, 'Exact fingerprint.'),
    service: list(Literal, 'Exact service.'),
    environment: list(Literal, 'Exact environment.'),
    labels: list(Type.String({ minLength: 3, maxLength: 1300 }), '`key=value`, exact; all pairs must match.'),
  },
  { additionalProperties: false },
);

/** The key as a query parameter (Keep's `?api_key=`), for clients that cannot set headers; GET routes only. */
const ApiKeyParameter = {
  api_key: Type.Optional(Type.String({ description: 'The API key, when no header can be set.' })),
};

/** GET search's query string: the search fields and the key. */
export const SearchQuery = Type.Object(
  { ...SearchFields.properties, ...ApiKeyParameter },
  { additionalProperties: false },
);

/** Fingerprint history takes only the pagination fields (and the key). */
export const HistoryFields = Type.Object({ ...PageFields, ...ApiKeyParameter }, { additionalProperties: false });

export const searchErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };
