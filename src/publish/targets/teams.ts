import { Type } from 'typebox';
import { classifyStatus, type DeliveryFailure } from '../../failure.js';
import { defineAdapter, detail, headline, truncate } from './adapter.js';
import { type BodyCheck, type HttpRequest, jsonHeaders } from './http.js';
import { slackSummary } from './slack.js';

const Settings = Type.Object(
  {
    /** Incoming webhook / Workflows URL; it is the credential. */
    url: Type.String({ format: 'uri', pattern: '^https?://' }),
    maxAlerts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
  },
  { additionalProperties: false },
);
interface TeamsSettings {
  url: string;
  maxAlerts?: number;
}

/**
 * Legacy Office 365 connectors answer 200 even when the message was dropped, with the reason in
 * the body; success is a body of `1` (github.com/atc0005/go-teams-notify/issues/59). Workflows
 * answer 202 with an empty body. A throttled legacy answer reads "…returned HTTP error 429…".
 */
export const teamsBodyCheck: BodyCheck = (statusCode, body): DeliveryFailure | undefined => {
  const text = body.trim();
  if (text === '' || text === '1' || statusCode === 202) return undefined;
  const embedded = /HTTP error (\d{3})/i.exec(text)?.[1];
  const classified = (embedded ? classifyStatus(Number(embedded)) : null) ?? {
    class: 'permanent' as const,
    reason: 'rejected' as const,
  };
  return { ...classified, statusCode, message: `HTTP ${statusCode} with error body: ${truncate(text, 300)}` };
};

/** Microsoft Teams: the batch as one Adaptive Card (capped list plus "+N more"). */
export const teamsAdapter = defineAdapter<TeamsSettings, HttpRequest>({
  type: 'teams',
  settingsSchema: Settings,
  secretFields: ['url'],
  // targets.md: Teams throttles at roughly 4 requests/s per webhook.
  defaultRateLimit: { perSecond: 4, burst: 4 },
  perAlert: false,
  format(alerts, settings) {
    const cap = settings.maxAlerts ?? 20;
    const body: unknown[] = [{ type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: slackSummary(alerts) }];
    for (const alert of alerts.slice(0, cap)) {
      body.push({ type: 'TextBlock', weight: 'Bolder', wrap: true, text: headline(alert) });
      body.push({ type: 'TextBlock', wrap: true, isSubtle: true, text: truncate(detail(alert), 2000) });
      if (alert.url) body.push({ type: 'TextBlock', text: `[details](${alert.url})` });
    }
    if (alerts.length > cap) body.push({ type: 'TextBlock', text: `+${alerts.length - cap} more` });
    const message = {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.4',
            body,
          },
        },
      ],
    };
    return [{ alerts, request: { url: settings.url, headers: jsonHeaders(), body: JSON.stringify(message) } }];
  },
  send: (request, _settings, io) => io.http.send(request, io.signal, teamsBodyCheck),
});
