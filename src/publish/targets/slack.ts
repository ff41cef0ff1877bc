import { Type } from 'typebox';
import { type Alert, severityRank } from '../../alert/alert.js';
import { defineAdapter, detail, headline, truncate } from './adapter.js';
import { type HttpRequest, jsonHeaders } from './http.js';

const Settings = Type.Object(
  {
    /** Incoming-webhook URL; it is the credential, so it is treated as a secret. */
    url: Type.String({ format: 'uri', pattern: '^https?://' }),
    /** Alerts listed in one message before "+N more" (Block Kit allows 50 blocks). */
    maxAlerts: Type.Optional(Type.Integer({ minimum: 1, maximum: 45, default: 20 })),
    username: Type.Optional(Type.String({ maxLength: 80 })),
    iconEmoji: Type.Optional(Type.String({ pattern: '^:[\\w+-]+:$' })),
  },
  { additionalProperties: false },
);
interface SlackSettings {
  url: string;
  maxAlerts?: number;
  username?: string;
  iconEmoji?: string;
}

const SECTION_TEXT_MAX = 3000;
const EMOJI: Record<string, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
  low: ':white_circle:',
};

/** The message text: count and highest severity (also the notification fallback). */
export function slackSummary(alerts: readonly Alert[]): string {
  const top = alerts.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
  const resolved = alerts.filter((alert) => alert.status === 'resolved').length;
  return `${alerts.length} alert${alerts.length === 1 ? '' : 's'} (highest: ${top.severity}${resolved ? `, ${resolved} resolved` : ''})`;
}

/**
 * Slack incoming webhook: the whole batch as one Block Kit message listing at most `maxAlerts`
 * alerts plus a "+N more" line, so a burst costs one message of the ~1/s budget
 * (https://api.slack.com/docs/rate-limits: "Posting messages: 1 per second, short bursts allowed").
 */
export const slackAdapter = defineAdapter<SlackSettings, HttpRequest>({
  type: 'slack',
  settingsSchema: Settings,
  secretFields: ['url'],
  defaultRateLimit: { perSecond: 1, burst: 5 },
  perAlert: false,
  format(alerts, settings) {
    const cap = settings.maxAlerts ?? 20;
    const text = slackSummary(alerts);
    const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } }];
    for (const alert of alerts.slice(0, cap)) {
      const line = `${EMOJI[alert.severity] ?? ''} *${headline(alert)}*\n${detail(alert)}${alert.url ? `\n<${alert.url}|details>` : ''}`;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(line, SECTION_TEXT_MAX) } });
    }
    if (alerts.length > cap)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `+${alerts.length - cap} more` }] });
    const body: Record<string, unknown> = { text, blocks };
    if (settings.username) body.username = settings.username;
    if (settings.iconEmoji) body.icon_emoji = settings.iconEmoji;
    return [{ alerts, request: { url: settings.url, headers: jsonHeaders(), body: JSON.stringify(body) } }];
  },
  send: (request, _settings, io) => io.http.send(request, io.signal),
});
