import { Type } from 'typebox';
import { netdataChallengeResponse } from '../../providers/netdata.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

const ProviderInfo = Type.Object({
  type: Type.String(),
  aliases: Type.Array(Type.String()),
  displayName: Type.String(),
  docsUrl: Type.String(),
  fingerprintFields: Type.Array(Type.String()),
  webhookPath: Type.String(),
});

/** GET /api/v1/providers and Netdata's unauthenticated challenge GET /alerts/event/netdata. */
export function registerProviderRoutes(app: App, registry: ProviderRegistry): void {
  app.get(
    '/api/v1/providers',
    {
      schema: {
        tags: ['ingest'],
        summary: 'Supported provider types, their payload docs and fingerprint fields',
        response: { 200: Type.Object({ providers: Type.Array(ProviderInfo) }) },
      },
    },
    async () => ({
      providers: registry.adapters().map((adapter) => ({
        type: adapter.type,
        aliases: [...(adapter.aliases ?? [])],
        displayName: adapter.displayName,
        docsUrl: adapter.docsUrl,
        fingerprintFields: [...adapter.fingerprintFields],
        webhookPath: `/alerts/event/${adapter.type}`,
      })),
    }),
  );

  for (const prefix of ['', '/api/v1']) {
    app.get(
      `${prefix}/alerts/event/netdata`,
      {
        schema: {
          tags: ['ingest'],
          summary: 'Netdata Cloud webhook challenge (no authentication)',
          querystring: Type.Object({ token: Type.Optional(Type.String()) }),
          response: {
            200: Type.String({ description: 'JSON-encoded {"response_token": "sha256=..."}, as Keep answers' }),
            400: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const { token } = request.query;
        if (!token) throw new ApiError('bad_request', 'query parameter "token" is required');
        // Keep returns the object already serialized, so the body is a JSON string literal.
        return reply.type('application/json').send(JSON.stringify(JSON.stringify(netdataChallengeResponse(token))));
      },
    );
  }
}
