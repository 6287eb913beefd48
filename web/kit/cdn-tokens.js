// Page side of the CDN token service worker (../sw.js): register it, wait until it controls the
// page, and hand it tokens. Tokens never go into page markup: <img src> holds the bare CDN URL and
// the worker adds `?authorization=<token>` on the way out.

function ask(worker, message) {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error('the CDN token worker did not answer')), 5000);
    channel.port1.onmessage = ({ data }) => {
      clearTimeout(timer);
      if (data && data.ok) resolve(data);
      else reject(new Error((data && data.error) || 'the CDN token worker refused the message'));
    };
    worker.postMessage(message, [channel.port2]);
  });
}

function controlled() {
  if (navigator.serviceWorker.controller) return Promise.resolve();
  // The first load of a page is not controlled; sw.js calls clients.claim() on activation, which
  // fires controllerchange here.
  return new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }));
}

// A refused image renews its path at most once per this long, whatever the API answers (a token
// that is already expired when it arrives, a clock that is off): never a renewal loop.
export const REFUSAL_RENEWAL_COOLDOWN_MS = 30_000;

/**
 * How long to wait before renewing a token that expires at `expiresAt` (epoch ms): a fifth of
 * its remaining life ahead of time, at least one second and at most a minute ahead.
 */
export function renewalDelay(expiresAt, now = Date.now()) {
  const life = expiresAt - now;
  const lead = Math.min(60_000, Math.max(1_000, life / 5));
  return Math.max(MIN_RENEWAL_INTERVAL_MS, life - lead);
}

// Never two timed renewals of one path closer than this, however short the tokens the API gives.
export const MIN_RENEWAL_INTERVAL_MS = 1_000;

/**
 * Registers the worker for the configured CDN origin and resolves once it controls this page.
 * @param {{cdn_url: string, api_token_audience?: string}} config the normalised frontend config
 * @param {{scriptUrl?: string, scope?: string}} [options] scriptUrl relative to the page
 */
export async function registerCdnTokenWorker(config, { scriptUrl = 'sw.js', scope } = {}) {
  if (!('serviceWorker' in navigator)) {
    throw new Error('service workers need a secure context (https, or http://localhost / 127.0.0.1)');
  }
  const url = new URL(scriptUrl, document.baseURI);
  url.searchParams.set('cdn', new URL(config.cdn_url).origin);
  if (config.api_token_audience) url.searchParams.set('api_aud', config.api_token_audience);
  const registration = await navigator.serviceWorker.register(url.href, scope ? { scope } : undefined);
  await navigator.serviceWorker.ready;
  await controlled();
  const worker = () => registration.active || navigator.serviceWorker.controller;
  const setToken = (token, { path = null, expiresAt = null } = {}) =>
    ask(worker(), { type: 'cdn-token:set', token, path, expiresAt });

  // Paths kept fresh by keepFresh(): path -> {renew, onRenewed, onError, timer, inFlight, refusedAt}
  const fresh = new Map();
  const schedule = (path, expiresAt) => {
    const entry = fresh.get(path);
    if (!entry) return;
    clearTimeout(entry.timer);
    // A token that arrives expired is not renewed on a timer (that would loop); a refusal may renew it once.
    const live = typeof expiresAt === 'number' && expiresAt > Date.now();
    entry.timer = live ? setTimeout(() => renew(path, 'expiring'), renewalDelay(expiresAt)) : null;
  };
  const renew = async (path, reason) => {
    const entry = fresh.get(path);
    if (!entry || entry.inFlight) return false;
    entry.inFlight = true;
    try {
      const grant = await entry.renew(path);
      await setToken(grant.token, { path, expiresAt: grant.expiresAt });
      schedule(path, grant.expiresAt);
      if (entry.onRenewed) entry.onRenewed(path, reason);
      return true;
    } catch (error) {
      if (entry.onError) entry.onError(error, path);
      return false;
    } finally {
      entry.inFlight = false;
    }
  };
  navigator.serviceWorker.addEventListener('message', ({ data }) => {
    if (!data || data.type !== 'cdn-token:expired') return;
    const entry = fresh.get(data.path);
    if (!entry || Date.now() - entry.refusedAt < REFUSAL_RENEWAL_COOLDOWN_MS) return;
    entry.refusedAt = Date.now();
    renew(data.path, 'refused');
  });

  return {
    /** Sets the token for one CDN path (a download token) or, without `path`, for every path. */
    setToken,
    /**
     * Keeps the token of `path` fresh: `renew(path)` (which asks the API, e.g. downloadUrl(); the
     * worker never calls the API) runs ahead of `expiresAt` and again ahead of each new token's
     * expiry, and once when the worker reports the path's token expired (at most once per
     * REFUSAL_RENEWAL_COOLDOWN_MS). `onRenewed(path, reason)` follows each new token (reload the
     * image there). Returns a function that stops it.
     * @param {string} path
     * @param {(path: string) => Promise<{token: string, expiresAt: number|null}>} renew
     * @param {{expiresAt?: number|null, onRenewed?: Function, onError?: Function}} [options]
     */
    keepFresh(path, renewToken, { expiresAt = null, onRenewed = null, onError = null } = {}) {
      const previous = fresh.get(path);
      if (previous) clearTimeout(previous.timer);
      fresh.set(path, { renew: renewToken, onRenewed, onError, timer: null, inFlight: false, refusedAt: -Infinity });
      schedule(path, expiresAt);
      return () => {
        const entry = fresh.get(path);
        if (entry) clearTimeout(entry.timer);
        fresh.delete(path);
      };
    },
    /** Forgets every token (sign-out) and stops every renewal. */
    clear() {
      for (const entry of fresh.values()) clearTimeout(entry.timer);
      fresh.clear();
      return ask(worker(), { type: 'cdn-token:clear' });
    },
    /** The CDN origin and the paths that have a token; never the tokens. */
    status() {
      return ask(worker(), { type: 'cdn-token:status' });
    },
  };
}
