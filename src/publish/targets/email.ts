import { createTransport } from 'nodemailer';
import { Type } from 'typebox';
import { type Alert, severityRank } from '../../alert/alert.js';
import { defineAdapter, detail, headline } from './adapter.js';
import type { Reply } from './http.js';

const Settings = Type.Object(
  {
    smtp: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
        /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
        secure: Type.Optional(Type.Boolean({ default: false })),
        /** Refuse to send without STARTTLS. */
        requireTLS: Type.Optional(Type.Boolean({ default: false })),
        user: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        rejectUnauthorized: Type.Optional(Type.Boolean({ default: true })),
      },
      { additionalProperties: false },
    ),
    from: Type.String({ minLength: 3 }),
    to: Type.Array(Type.String({ minLength: 3 }), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
interface EmailSettings {
  smtp: {
    host: string;
    port: number;
    secure?: boolean;
    requireTLS?: boolean;
    user?: string;
    password?: string;
    rejectUnauthorized?: boolean;
  };
  from: string;
  to: string[];
}

export interface Mail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One message for the batch: subject with the highest severity and the count; text + HTML parts. */
export function formatMail(alerts: readonly Alert[]): Mail {
  const top = alerts.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a)).severity;
  const subject = `[${top.toUpperCase()}] ${alerts.length} alert${alerts.length === 1 ? '' : 's'}: ${alerts[0]?.name ?? ''}`;
  const text = alerts.map((a) => `${headline(a)}\n  ${detail(a)}${a.url ? `\n  ${a.url}` : ''}`).join('\n\n');
  const rows = alerts
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.severity)}</td><td>${escapeHtml(a.status)}</td><td><b>${escapeHtml(a.name)}</b><br>${escapeHtml(detail(a))}</td></tr>`,
    )
    .join('');
  return { subject, text, html: `<table><tr><th>Severity</th><th>Status</th><th>Alert</th></tr>${rows}</table>` };
}

/**
 * SMTP via nodemailer: one message per batch to the recipient list. nodemailer takes no
 * AbortSignal, so the delivery timeout bounds its connection, greeting and socket timeouts, and an
 * abort closes the transport (its socket) straight away.
 */
export const emailAdapter = defineAdapter<EmailSettings, Mail>({
  type: 'email',
  settingsSchema: Settings,
  secretFields: ['smtp.password'],
  perAlert: false,
  format: (alerts) => [{ alerts, request: formatMail(alerts) }],
  async send(mail, settings, io): Promise<Reply> {
    const { smtp } = settings;
    const transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure ?? false,
      requireTLS: smtp.requireTLS ?? false,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      tls: { rejectUnauthorized: smtp.rejectUnauthorized ?? true },
      connectionTimeout: io.timeoutMs,
      greetingTimeout: io.timeoutMs,
      socketTimeout: io.timeoutMs,
    });
    const onAbort = () => transport.close();
    io.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const sending = transport.sendMail({ from: settings.from, to: settings.to, ...mail });
      const info = await Promise.race([sending, aborted(io.signal)]);
      return { statusCode: Number.parseInt(String(info.response).slice(0, 3), 10) || 250, body: String(info.response) };
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
});

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
