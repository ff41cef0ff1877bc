import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';

/** A client that has this much unsent data is too slow to follow a live page; it is dropped. */
const MAX_BUFFERED_BYTES = 1_000_000;

/**
 * Server-sent events of one snapshot per interval to every connected client. The snapshot is
 * built once per tick whatever the number of clients, and only while at least one is connected.
 */
export class SnapshotBroadcaster {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private building = false;

  constructor(
    private readonly build: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Starts streaming to `response` (headers already sent); the first snapshot follows at once. */
  add(response: ServerResponse): void {
    this.clients.add(response);
    response.on('close', () => this.remove(response));
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
    }
    void this.tick();
  }

  remove(response: ServerResponse): void {
    this.clients.delete(response);
    if (this.clients.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Ends every stream (the server is closing: open streams would hold it open). */
  close(): void {
    for (const response of [...this.clients]) {
      this.remove(response);
      response.end();
    }
  }

  private async tick(): Promise<void> {
    if (this.building || this.clients.size === 0) return;
    this.building = true;
    try {
      const frame = `event: snapshot\ndata: ${JSON.stringify(await this.build())}\n\n`;
      for (const response of this.clients) {
        if (response.writableLength > MAX_BUFFERED_BYTES) {
          this.remove(response);
          response.destroy();
          continue;
        }
        response.write(frame);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'could not build the admin snapshot');
      const frame = `event: failure\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`;
      for (const response of this.clients) response.write(frame);
    } finally {
      this.building = false;
    }
  }
}
