/**
 * Part of the benchmark's SSE clients, in a process of its own so their parsing does not share the
 * gateway's or the worker's event loop. Opens STREAM_CLIENTS connections to STREAM_URL, notes when
 * each alert id arrives on each connection, and answers the coordinator over IPC:
 *   → {type:'ready'} once every stream answered 200
 *   ← {type:'count'}            → {type:'count', received, closed}
 *   ← {type:'report', commits}  → {type:'report', latencies (ms), missing, closed}
 */
import { request } from 'node:http';

const url = process.env.STREAM_URL as string;
const key = process.env.STREAM_KEY as string;
const clients = Number(process.env.STREAM_CLIENTS ?? 250);
const now = () => performance.timeOrigin + performance.now();
/** Where the alert id starts in an `alert` event's data (the first key of the alert object). */
const MARKER = Buffer.from('"alert":{"id":"');
const FRAME_END = Buffer.from('\n\n');

/** alert id → receive times (epoch ms, fractional), one per connection that got it. */
const arrivals = new Map<string, number[]>();
let received = 0;
let closed = 0;

function record(id: string, at: number): void {
  let times = arrivals.get(id);
  if (!times) {
    times = [];
    arrivals.set(id, times);
  }
  times.push(at);
  received++;
}

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/alerts/stream`, { headers: { 'x-api-key': key } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`stream answered ${response.statusCode}`));
        return;
      }
      let rest: Buffer | null = null;
      response.on('data', (chunk: Buffer) => {
        const at = now();
        const data: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
        let start = 0;
        for (let end = data.indexOf(FRAME_END, start); end >= 0; end = data.indexOf(FRAME_END, start)) {
          const marker = data.indexOf(MARKER, start);
          if (marker >= 0 && marker < end)
            record(data.toString('latin1', marker + MARKER.length, marker + MARKER.length + 36), at);
          start = end + FRAME_END.length;
        }
        rest = start < data.length ? data.subarray(start) : null;
      });
      response.on('close', () => closed++);
      resolve();
    });
    req.on('error', reject);
    req.end();
  });
}

for (let opened = 0; opened < clients; opened += 50) {
  await Promise.all(Array.from({ length: Math.min(50, clients - opened) }, open));
}
process.send?.({ type: 'ready' });

process.on('message', (message: { type: string; commits?: Record<string, number> }) => {
  if (message.type === 'count') {
    process.send?.({ type: 'count', received, closed });
    return;
  }
  if (message.type !== 'report' || !message.commits) return;
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, committedAt] of Object.entries(message.commits)) {
    const times = arrivals.get(id) ?? [];
    missing += clients - times.length;
    for (const at of times) latencies.push(Math.round((at - committedAt) * 1000) / 1000);
  }
  process.send?.({ type: 'report', latencies, missing, closed });
});
