import { Type } from 'typebox';
import { ErrorBody } from '../schemas.js';

/** Ingestion takes the key as X-API-KEY, a Bearer token or a Basic password. */
export const INGEST_SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];

/** The refusals every ingestion route may answer, in the one error shape. */
export const ingestErrorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
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
