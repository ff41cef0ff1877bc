import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A received mail: envelope and raw message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export type SmtpBehaviour =
  | { kind: 'ok' }
  /** 5xx: permanent (e.g. 550 mailbox unavailable). */
  | { kind: 'reject'; code?: number }
  /** 4xx: transient (e.g. 451 try again later). */
  | { kind: 'transient'; code?: number }
  /** Accepts the connection, then never answers the message. */
  | { kind: 'hang' };

/**
 * A local SMTP server (smtp-server) that accepts, rejects with 5xx (permanent) or 4xx (transient)
 * replies, or hangs, per a default behaviour or a queue of one-shot behaviours (targets.md, Email).
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private readonly script: SmtpBehaviour[] = [];
  private fallback: SmtpBehaviour = { kind: 'ok' };
  private readonly server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // Hanging sessions would hold close() for its 30 s default.
      closeTimeout: 200,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const behaviour = this.script.shift() ?? this.fallback;
          if (behaviour.kind === 'hang') return;
          if (behaviour.kind === 'ok') {
            this.mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              raw: Buffer.concat(chunks).toString('utf8'),
            });
            return callback();
          }
          const code = behaviour.code ?? (behaviour.kind === 'reject' ? 550 : 451);
          const error = Object.assign(
            new Error(behaviour.kind === 'reject' ? 'Mailbox unavailable' : 'Try again later'),
            {
              responseCode: code,
            },
          );
          callback(error);
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  behave(behaviour: SmtpBehaviour): this {
    this.fallback = behaviour;
    return this;
  }

  next(...behaviours: SmtpBehaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
