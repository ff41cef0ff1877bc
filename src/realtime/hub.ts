import * as metrics from '../metrics.js';
import type { SearchFilters } from '../search/types.js';
import { type StampedEvent, tenantOf } from './events.js';
import { Subscriber } from './subscriber.js';
import type { DropReason, Transport } from './transport.js';

export interface HubOptions {
  /** Bytes one subscriber may have waiting before it is dropped as a slow consumer. */
  bufferBytes: number;
  /** Interval of heartbeats (SSE comments, WebSocket pings), in ms. */
  heartbeatMs: number;
  /** Subscribers this gateway serves at once. */
  maxClients: number;
}

/**
 * This gateway's stream subscribers, indexed by tenant: relayed events go to the subscribers of
 * their tenant only, each of which applies its own filters. Owns the heartbeat timer.
 */
export class StreamHub {
  private readonly byTenant = new Map<string, Set<Subscriber>>();
  private count = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: HubOptions) {
    this.timer = setInterval(() => this.heartbeat(), options.heartbeatMs);
    this.timer.unref();
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.options.maxClients;
  }

  /** Registers a subscriber (live events queue for it from now on); removed when its connection closes. */
  add(filters: SearchFilters, transport: Transport): Subscriber {
    const subscriber = new Subscriber(filters, transport, this.options.bufferBytes, (dropped, reason) =>
      this.dropped(dropped, reason),
    );
    let set = this.byTenant.get(filters.tenant);
    if (!set) {
      set = new Set();
      this.byTenant.set(filters.tenant, set);
    }
    set.add(subscriber);
    this.count++;
    metrics.streamClients.inc({ transport: transport.name });
    transport.onClose(() => this.remove(subscriber));
    return subscriber;
  }

  /** Hands relayed events (in stream order) to the subscribers of their tenants. */
  dispatch(events: readonly StampedEvent[]): void {
    const tenants = new Map<string, StampedEvent[]>();
    for (const stamped of events) {
      const tenant = tenantOf(stamped.event);
      const list = tenants.get(tenant);
      if (list) list.push(stamped);
      else tenants.set(tenant, [stamped]);
    }
    for (const [tenant, list] of tenants) {
      const subscribers = this.byTenant.get(tenant);
      if (!subscribers) continue;
      for (const subscriber of subscribers) subscriber.offer(list);
    }
  }

  /** Ends every subscription (the gateway is stopping); clients reconnect elsewhere with Last-Event-ID. */
  close(): void {
    clearInterval(this.timer);
    for (const set of this.byTenant.values()) for (const subscriber of set) subscriber.drop('shutdown');
  }

  private heartbeat(): void {
    for (const set of this.byTenant.values()) for (const subscriber of set) subscriber.heartbeat();
  }

  private dropped(subscriber: Subscriber, reason: DropReason): void {
    metrics.streamDrops.inc({ transport: subscriber.transport.name, reason });
    this.remove(subscriber);
  }

  private remove(subscriber: Subscriber): void {
    const set = this.byTenant.get(subscriber.tenant);
    if (!set?.delete(subscriber)) return;
    if (set.size === 0) this.byTenant.delete(subscriber.tenant);
    this.count--;
    metrics.streamClients.dec({ transport: subscriber.transport.name });
  }
}
