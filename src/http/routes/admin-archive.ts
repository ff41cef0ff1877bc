import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type ArchiveLogEntry, listAttempts } from '../../archive/archive-log.js';
import { archiveWatermark } from '../../archive/watermark.js';
import type { Database } from '../../store/db.js';
import { ARCHIVE_STATUSES } from '../../store/schema.js';
import type { App } from '../app.js';
import { dayParameter } from '../date-parameters.js';
import { ErrorBody } from '../schemas.js';

/** What the archive log route reads from. */
export interface ArchiveLogDeps {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  database: Database;
}

const Count = Type.Union([Type.Integer(), Type.Null()]);

const Entry = Type.Object({
  id: Type.Integer(),
  day: Type.String({ format: 'date', description: 'UTC day of the partitions.' }),
  status: Type.Enum([...ARCHIVE_STATUSES]),
  indexName: Type.String(),
  rawIndexName: Type.Union([Type.String(), Type.Null()]),
  pgRows: Count,
  esCount: Count,
  rawRows: Count,
  rawEsCount: Count,
  bytes: Type.Integer(),
  durationMs: Count,
  error: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const toEntry = (row: ArchiveLogEntry) => ({
  ...row,
  startedAt: row.startedAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
});

/** `GET /api/v1/admin/archive/log`: archive attempts, newest first, and the current watermark. Admin keys only. */
export function registerArchiveLogRoute(app: App, deps: ArchiveLogDeps): void {
  app.get(
    '/api/v1/admin/archive/log',
    {
      onRequest: deps.authenticate,
      schema: {
        tags: ['admin'],
        security: [{ apiKey: [] as string[] }],
        summary: 'Archive attempts (newest first) and the archive watermark',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          day: Type.Optional(Type.String({ maxLength: 10, description: 'UTC day YYYY-MM-DD, year 0001 to 9999.' })),
          status: Type.Optional(Type.Enum([...ARCHIVE_STATUSES])),
        }),
        response: {
          200: Type.Object({
            watermark: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
              description: 'Alerts received before this instant are only in Elasticsearch.',
            }),
            entries: Type.Array(Entry),
          }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const query = request.query;
      const day = query.day === undefined ? undefined : dayParameter('day', query.day);
      const [watermark, rows] = await Promise.all([
        archiveWatermark(deps.database.sql),
        listAttempts(deps.database.db, { limit: query.limit ?? 100, day, status: query.status }),
      ]);
      return { watermark: watermark?.toISOString() ?? null, entries: rows.map(toEntry) };
    },
  );
}
