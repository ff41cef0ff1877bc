/**
 * An in-memory copy of database rows that hot paths read without waiting for the database. Loaded
 * once at start (start-up fails if that fails), then reloaded on an interval in the background; a
 * failed reload keeps the last good copy.
 */
export abstract class RefreshedCopy {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly refreshMs: number) {}

  /** Reloads the copy now (also after an admin change, so the change is visible at once). */
  abstract refresh(): Promise<void>;

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
