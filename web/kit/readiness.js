// Waiting for the verifier: an upload is stored under the quarantine prefix first and becomes
// downloadable only once GET /uploads/{upload_id} says `verification: "ready"`.

import { ApiError, NetworkError, VerificationError, abortedError, callApi } from './errors.js';

export const READY_DEFAULTS = Object.freeze({ timeoutMs: 120_000, pollMs: 250, maxPollMs: 5_000 });

// A dependency blip or our own rate limit: ask again later, within the timeout.
function transient(error) {
  if (error instanceof NetworkError) return error.code !== 'aborted';
  return error instanceof ApiError && (error.status === 429 || error.status >= 500);
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls the status route until the upload is verified. Resolves the status body
 * (`{upload_id, key, verification: "ready", content_type, ...}`; `key` is what to download);
 * rejects VerificationError with the verifier's reason as `code` when it was rejected, or
 * `verification_timeout` after `timeoutMs`; NetworkError `aborted` at once on `signal`.
 * Polls back off from `pollMs` (x1.5 per poll, at most `maxPollMs`, or the server's
 * Retry-After); transient failures (network, 429, 5xx) are retried, other refusals are not.
 * A status without `verification` comes from a deployment without a verifier: it is final.
 * @param {string} uploadId
 * @param {{token: string|(() => Promise<string>), config: {uploads_url: string}, signal?: AbortSignal,
 *          timeoutMs?: number, pollMs?: number, maxPollMs?: number, onStatus?: Function, fetch?: typeof fetch,
 *          now?: () => number}} options
 */
export async function waitUntilReady(uploadId, options) {
  const { timeoutMs, pollMs, maxPollMs } = { ...READY_DEFAULTS, ...pick(options, Object.keys(READY_DEFAULTS)) };
  const { signal, onStatus, now = Date.now } = options;
  const url = `${options.config.uploads_url}/${encodeURIComponent(uploadId)}`;
  const deadline = now() + timeoutMs;
  let delay = pollMs;
  for (;;) {
    if (signal && signal.aborted) throw abortedError();
    let wait = delay;
    try {
      const status = await callApi(url, undefined, { token: options.token, fetch: options.fetch, signal }, 'GET');
      if (onStatus) onStatus(status);
      if (!status || status.verification === undefined || status.verification === 'ready') return status;
      if (status.verification === 'rejected') {
        const reason = status.rejection_reason || 'rejected';
        throw new VerificationError({ source: 'verifier', code: reason, message: `the verifier rejected the upload (${reason})` });
      }
    } catch (error) {
      if (!transient(error)) throw error;
      if (error.retryAfter != null) wait = Math.max(wait, error.retryAfter * 1000);
    }
    const left = deadline - now();
    if (left <= 0) {
      throw new VerificationError({
        source: 'verifier',
        code: 'verification_timeout',
        message: `the upload was not verified within ${Math.round(timeoutMs / 1000)} s; it may still become ready`,
      });
    }
    await sleep(Math.min(wait, left), signal);
    delay = Math.min(maxPollMs, delay * 1.5);
  }
}

function pick(object, names) {
  const out = {};
  for (const name of names) if (object[name] != null) out[name] = object[name];
  return out;
}
