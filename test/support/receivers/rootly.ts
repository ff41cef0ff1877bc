import { type Contract, json, type Received } from './http-receiver.js';

/** Rootly alerts API (targets.md): JSON:API body, Bearer token; 201; 401; 422 `{errors}`; 429. */
export function rootlyContract(token: string) {
  const contract: Contract = {
    name: 'rootly',
    problem(request: Received) {
      if (request.headers.authorization !== `Bearer ${token}`) return 'unauthorized';
      if (!String(request.headers['content-type']).startsWith('application/vnd.api+json')) return 'content type';
      if (request.path !== '/v1/alerts') return `unknown endpoint ${request.path}`;
      const data = (request.json as { data?: { type?: string; attributes?: Record<string, unknown> } })?.data;
      if (data?.type !== 'alerts') return 'data.type must be alerts';
      if (typeof data.attributes?.summary !== 'string' || data.attributes.summary === '') return 'summary required';
      return null;
    },
    accept: (request) =>
      json(201, {
        data: {
          id: `alert-${Math.random().toString(36).slice(2)}`,
          type: 'alerts',
          attributes: (request.json as { data: { attributes: unknown } }).data.attributes,
        },
      }),
    reject: (problem) =>
      problem === 'unauthorized'
        ? json(401, { errors: [{ title: 'Unauthorized' }] })
        : json(422, { errors: [{ title: 'Invalid', detail: problem, source: { pointer: '/data/attributes' } }] }),
    throttle: (seconds) => json(429, { errors: [{ title: 'Rate limited' }] }, { 'retry-after': String(seconds) }),
    serverError: (status) => json(status, { errors: [{ title: 'Server error' }] }),
  };
  return contract;
}
