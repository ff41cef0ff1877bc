/**
 * The ceiling to compare Alertgate with: a bare Fastify route that parses the JSON body and discards
 * it. Run as its own process (`PORT=… node --import tsx loadtest/lib/bare-server.ts`).
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/alerts/event/:provider_type', async (_request, reply) => reply.status(202).send({ accepted: null }));

const shutdown = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
