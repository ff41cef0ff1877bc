import 'uplot/dist/uPlot.min.css';
import '../style.css';
import { AuthError, call, follow, forgetKey, storedKey, storeKey, verifyKey } from './api.js';
import { byId, setState, setText } from './dom.js';
import { Panels } from './panels.js';

/** Seconds without a snapshot after which the page says its numbers are stale. */
const STALE_SECONDS = 5;

let stopFollowing: (() => void) | undefined;
let panels: Panels | undefined;
let lastSnapshotAt = 0;

function showLogin(message = ''): void {
  stopFollowing?.();
  stopFollowing = undefined;
  byId('app').hidden = true;
  byId('sign-out').hidden = true;
  byId('login').hidden = false;
  setText(byId('login-error'), message);
  setConnection('idle', 'not connected');
  byId<HTMLInputElement>('key').focus();
}

function setConnection(state: string, text: string): void {
  const connection = byId('connection');
  setText(connection, text);
  setState(connection, 'state', state);
}

function notice(text: string, state: 'ok' | 'bad'): void {
  const element = byId('notice');
  setText(element, text);
  setState(element, 'state', state);
}

async function act(key: string, path: string, label: string): Promise<void> {
  try {
    const result = (await call('POST', path, key)) as { replayed?: number };
    notice(`${label}: ${result.replayed ?? 0} replayed`, 'ok');
  } catch (error) {
    if (error instanceof AuthError) return showLogin(error.message);
    notice(`${label} failed: ${(error as Error).message}`, 'bad');
  }
}

function start(key: string): void {
  byId('login').hidden = true;
  byId('app').hidden = false;
  byId('sign-out').hidden = false;
  panels ??= new Panels({
    replayIngest: () => void act(storedKey() ?? key, '/api/v1/admin/dlq/ingest/replay', 'Ingest dead letters'),
    replayTarget: (target) =>
      void act(
        storedKey() ?? key,
        `/api/v1/admin/publish/dlq/replay?target=${encodeURIComponent(target)}`,
        `Dead letters of ${target}`,
      ),
  });
  setConnection('connecting', 'connecting…');
  stopFollowing = follow(key, {
    snapshot: (snapshot) => {
      lastSnapshotAt = Date.now();
      panels?.render(snapshot);
    },
    state: (state, detail) => {
      if (state === 'reconnecting') setConnection('stale', detail ? `reconnecting (${detail})` : 'reconnecting…');
    },
    unauthorized: () => {
      forgetKey();
      showLogin('The key was refused; enter an admin key.');
    },
  });
}

function tickConnection(): void {
  if (!stopFollowing || lastSnapshotAt === 0) return;
  const age = (Date.now() - lastSnapshotAt) / 1000;
  if (age > STALE_SECONDS) setConnection('stale', `stale: no update for ${Math.round(age)} s`);
  else setConnection('live', 'live');
}

function boot(): void {
  byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = byId<HTMLInputElement>('key').value.trim();
    verifyKey(key)
      .then(() => {
        storeKey(key);
        byId<HTMLInputElement>('key').value = '';
        start(key);
      })
      .catch((error: unknown) => setText(byId('login-error'), (error as Error).message));
  });
  byId('sign-out').addEventListener('click', () => {
    forgetKey();
    showLogin();
  });
  setInterval(tickConnection, 1000);
  const key = storedKey();
  if (key) start(key);
  else showLogin();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
