import { type Contract, type Received, text } from './http-receiver.js';

/**
 * Microsoft Teams webhook (targets.md): an Adaptive Card message; 200 `1` (legacy connector) or 202
 * (Workflows) on success; 400 for a malformed card; 429 when throttled. `legacy` mode answers
 * errors as 200 with an error text, as legacy connectors do.
 */
export function teamsContract(options: { legacy?: boolean } = {}) {
  const contract: Contract = {
    name: 'teams',
    problem(request: Received) {
      const body = request.json as {
        type?: string;
        attachments?: { contentType?: string; content?: { type?: string } }[];
      };
      if (body?.type !== 'message' || !Array.isArray(body.attachments) || body.attachments.length === 0)
        return 'message with attachments expected';
      const card = body.attachments[0];
      if (card?.contentType !== 'application/vnd.microsoft.card.adaptive' || card.content?.type !== 'AdaptiveCard')
        return 'adaptive card expected';
      return null;
    },
    accept: () => (options.legacy ? text(200, '1') : text(202, '')),
    reject: (problem) =>
      options.legacy ? text(200, `Webhook message delivery failed with error: ${problem}`) : text(400, problem),
    throttle: (seconds) =>
      options.legacy
        ? text(200, 'Microsoft Teams endpoint returned HTTP error 429 with ContextId ...')
        : text(429, 'Too many requests', { 'retry-after': String(seconds) }),
    serverError: (status) => text(status, 'Internal error'),
  };
  return contract;
}
