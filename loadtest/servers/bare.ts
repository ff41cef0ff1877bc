/**
 * The reference ceiling: a bare Fastify route that parses a JSON body and answers 202, nothing else.
 * Prints "listening <port>" on stdout.
 */
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
app.post('/alerts/event/:provider', async (_request, reply) => reply.status(202).send({ accepted: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
