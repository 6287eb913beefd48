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

/**
 * Registers the worker for the configured CDN origin and resolves once it controls this page.
 * @param {{cdn_url: string}} config the normalised frontend config
 * @param {{scriptUrl?: string, scope?: string}} [options] scriptUrl relative to the page
 */
export async function registerCdnTokenWorker(config, { scriptUrl = 'sw.js', scope } = {}) {
  if (!('serviceWorker' in navigator)) {
    throw new Error('service workers need a secure context (https, or http://localhost / 127.0.0.1)');
  }
  const url = new URL(scriptUrl, document.baseURI);
  url.searchParams.set('cdn', new URL(config.cdn_url).origin);
  const registration = await navigator.serviceWorker.register(url.href, scope ? { scope } : undefined);
  await navigator.serviceWorker.ready;
  await controlled();
  const worker = () => registration.active || navigator.serviceWorker.controller;
  return {
    /** Sets the token for one CDN path (a download token) or, without `path`, for every path. */
    setToken(token, { path = null, expiresAt = null } = {}) {
      return ask(worker(), { type: 'cdn-token:set', token, path, expiresAt });
    },
    /** Forgets every token (sign-out). */
    clear() {
      return ask(worker(), { type: 'cdn-token:clear' });
    },
    /** The CDN origin and the paths that have a token; never the tokens. */
    status() {
      return ask(worker(), { type: 'cdn-token:status' });
    },
  };
}
