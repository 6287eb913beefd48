// Service worker: adds the CDN token to requests for the configured CDN origin, and nothing else.
//
// Registered as `sw.js?cdn=<CDN origin>` (see kit/cdn-tokens.js), so the origin survives worker
// restarts without storage. Tokens arrive from the page by postMessage and live in IndexedDB: the
// browser stops an idle worker at any time, and a token kept only in a global would be lost.
// A token is either scoped to one path (a download token from POST /downloads) or the default for
// every path (a user token, when the edge is configured to accept the identity provider's tokens).

const CDN_ORIGIN = (() => {
  const value = new URL(self.location.href).searchParams.get('cdn');
  try {
    return value ? new URL(value).origin : null;
  } catch {
    return null;
  }
})();
// The audience of the users' API tokens (`sw.js?api_aud=...`): a token for it is refused, so the
// worker never holds, nor puts in a CDN URL, a token the API would accept.
const API_AUDIENCE = new URL(self.location.href).searchParams.get('api_aud');
const QUERY_PARAM = 'authorization';
const DEFAULT_SCOPE = '*';
const DB_NAME = 'cdn-tokens';
const STORE = 'tokens';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Runs `action(store)` in one transaction; resolves to the result of the request(s) it returns.
async function withStore(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const requests = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(Array.isArray(requests) ? requests.map((r) => r.result) : requests.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// Read-through cache of the store, rebuilt from IndexedDB after each worker start. `cache ||=`
// keeps a load that finishes after a set or clear from overwriting the newer state.
let cache = null;
let loading = null;

async function tokens() {
  if (!cache) {
    loading ||= withStore('readonly', (store) => [store.getAllKeys(), store.getAll()]).catch((error) => {
      loading = null; // retry on the next request rather than failing forever
      throw error;
    });
    const [keys, entries] = await loading;
    cache ||= new Map(keys.map((key, i) => [key, entries[i]]));
  }
  return cache;
}

// The claims of a JWT, unverified (the edge verifies); null when `token` is not a JWT.
function claimsOf(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json);
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

function entryFor(data) {
  if (typeof data.token !== 'string' || !data.token) throw new Error('token must be a non-empty string');
  const claims = claimsOf(data.token);
  const audiences = claims ? [claims.aud].flat() : [];
  if (API_AUDIENCE && audiences.includes(API_AUDIENCE)) {
    throw new Error('refused: a token for the API audience never goes to the CDN');
  }
  // Without an explicit expiry, the token's own `exp`: every stored token expires.
  const exp = claims && Number.isFinite(claims.exp) ? claims.exp * 1000 : null;
  return { token: data.token, expiresAt: typeof data.expiresAt === 'number' ? data.expiresAt : exp };
}

function live(entry) {
  return entry && (entry.expiresAt == null || entry.expiresAt > Date.now()) ? entry.token : null;
}

// Forgets entries read expired, in memory and in IndexedDB: an expired token is never kept.
async function purge(map, scopes) {
  const expired = scopes.filter((scope) => map.has(scope) && !live(map.get(scope)));
  if (!expired.length) return;
  for (const scope of expired) map.delete(scope);
  await withStore('readwrite', (store) => expired.map((scope) => store.delete(scope)));
}

async function tokenFor(pathname) {
  const map = await tokens();
  const token = live(map.get(pathname)) || live(map.get(DEFAULT_SCOPE));
  const expired = !token && (map.has(pathname) || map.has(DEFAULT_SCOPE));
  await purge(map, [pathname, DEFAULT_SCOPE]).catch(() => null); // the request goes out regardless
  if (expired) tellPages({ type: 'cdn-token:expired', path: pathname });
  return token;
}

// The pages renew (they ask the API); the worker only says which path's token ran out.
async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(message);
}

async function handleMessage(data) {
  switch (data && data.type) {
    case 'cdn-token:set': {
      const entry = entryFor(data);
      const scope = data.path ? new URL(data.path, CDN_ORIGIN || self.location.origin).pathname : DEFAULT_SCOPE;
      const map = await tokens();
      // Download tokens are per image and short-lived: drop the expired ones so the store stays small.
      const expired = [...map].filter(([, value]) => !live(value)).map(([key]) => key);
      await withStore('readwrite', (store) => [store.put(entry, scope), ...expired.map((key) => store.delete(key))]);
      for (const key of expired) map.delete(key);
      map.set(scope, entry);
      return { ok: true };
    }
    case 'cdn-token:clear':
      await withStore('readwrite', (store) => store.clear());
      cache = new Map();
      loading = null;
      return { ok: true };
    case 'cdn-token:status': {
      const map = await tokens();
      return { ok: true, cdnOrigin: CDN_ORIGIN, scopes: [...map.keys()] }; // never the tokens themselves
    }
    default:
      throw new Error('unknown message');
  }
}

self.addEventListener('message', (event) => {
  // Only pages of this origin can message this worker; check anyway, the cost is nil.
  if (event.origin && event.origin !== self.location.origin) return;
  const reply = (body) => event.ports[0] && event.ports[0].postMessage(body);
  event.waitUntil(handleMessage(event.data).then(reply, (error) => reply({ ok: false, error: String(error.message) })));
});

async function withToken(request) {
  const url = new URL(request.url);
  // Without a readable store the request goes out as it is: the edge then answers 401.
  const token = url.searchParams.has(QUERY_PARAM) ? null : await tokenFor(url.pathname).catch(() => null);
  if (!token) return fetch(request);
  url.searchParams.set(QUERY_PARAM, token);
  // An <img> without `crossorigin` makes a no-cors request; its response would be opaque, which
  // hides the edge's 401/403 from the worker. Re-issue it in cors mode (the CDN answers with the
  // bucket's CORS headers) and without cookies: the token travels in the query string.
  const switchToCors = request.mode === 'no-cors';
  return fetch(
    new Request(url.href, {
      method: request.method,
      headers: request.headers,
      mode: switchToCors ? 'cors' : request.mode,
      credentials: switchToCors ? 'omit' : request.credentials,
      cache: request.cache === 'only-if-cached' ? 'default' : request.cache,
      redirect: request.redirect,
      referrerPolicy: 'no-referrer',
      integrity: request.integrity,
    }),
  );
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (!CDN_ORIGIN || request.mode === 'navigate' || (request.method !== 'GET' && request.method !== 'HEAD')) return;
  if (new URL(request.url).origin !== CDN_ORIGIN) return; // everything else: untouched, not even proxied
  event.respondWith(withToken(request));
});
