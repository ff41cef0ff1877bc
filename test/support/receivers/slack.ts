import { type Contract, type Received, text } from './http-receiver.js';

/** Slack incoming webhook (targets.md): plain-text answers; ≤ 50 blocks; section text ≤ 3000. */
export function slackContract() {
  const contract: Contract = {
    name: 'slack',
    problem(request: Received) {
      const body = request.json as { text?: unknown; blocks?: unknown[] } | undefined;
      if (!body) return 'invalid_payload';
      if (body.blocks === undefined && typeof body.text !== 'string') return 'no_text';
      if (body.blocks !== undefined) {
        if (!Array.isArray(body.blocks) || body.blocks.length > 50) return 'invalid_blocks';
        for (const block of body.blocks as { text?: { text?: string } }[])
          if ((block.text?.text?.length ?? 0) > 3000) return 'invalid_blocks';
      }
      return null;
    },
    accept: () => text(200, 'ok'),
    reject: (problem) =>
      text(400, problem.startsWith('no_') || problem.startsWith('invalid') ? problem : 'invalid_payload'),
    throttle: (seconds) => text(429, 'rate_limited', { 'retry-after': String(seconds) }),
    serverError: (status) => text(status, 'internal_error'),
  };
  return contract;
}
