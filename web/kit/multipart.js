// Multipart uploads: parts hashed as they are sent, signed in batches, sent in parallel, retried,
// resumable after a reload. Dependency-free ES module; the routes are lambda_src/README.md's
// `/uploads/{upload_id}/...`. Used through upload-client.js (`upload`, `startUpload`, `resume`).

import { ApiError, NetworkError, StorageError, ValidationError, abortedError, callApi, sendToStorage } from './errors.js';
import { fileIdentity } from './resume-store.js';
import { readAndHash } from './sha256.js';

export const DEFAULTS = Object.freeze({
  concurrency: 4, // parts in flight; memory is bounded by concurrency * part_size
  maxAttempts: 5, // per part (and per API call), the first one included
  backoffMs: 500, // first retry delay; doubles each attempt, with jitter
  maxBackoffMs: 15_000,
  resignMarginMs: 5_000, // a URL closer than this to its expiry is re-signed before use
});

/** How to react to a failed request: 'retry', 'resign' (expired URL: sign again, then retry) or null (give up). */
export function retryKind(error) {
  if (error instanceof NetworkError) return error.code === 'aborted' ? null : 'retry';
  if (error instanceof StorageError) {
    if (error.status === 403 && /expired/i.test(error.message)) return 'resign';
    if (error.status >= 500 || error.code === 'RequestTimeout' || error.code === 'SlowDown') return 'retry';
    return null;
  }
  if (error instanceof ApiError) return error.status >= 500 || error.status === 429 ? 'retry' : null;
  return null;
}

function abortableSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `action(attempt)` until it succeeds, a non-retryable error, or `maxAttempts`. */
async function withRetry(action, ctx, onRetryKind = () => {}) {
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) throw abortedError();
    try {
      return await action(attempt);
    } catch (error) {
      const kind = ctx.signal.aborted ? null : retryKind(error);
      if (!kind || attempt >= ctx.maxAttempts) throw error;
      onRetryKind(kind);
      const exp = Math.min(ctx.maxBackoffMs, ctx.backoffMs * 2 ** (attempt - 1));
      const delay = error.retryAfter != null ? error.retryAfter * 1000 : exp * (0.5 + Math.random() / 2);
      await ctx.sleep(delay, ctx.signal);
    }
  }
}

const partRange = (state, n) => [(n - 1) * state.part_size, Math.min(n * state.part_size, state.size)];

/**
 * Signs parts in batches: requests arriving together (the workers hashing in parallel) share one
 * `POST /uploads/{id}/parts`; flushed when `batchSize` are waiting or on the next timer tick.
 */
function batchSigner(ctx, partsUrl) {
  let pending = [];
  let timer = null;
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const body = { parts: batch.map(({ partNumber, sha256 }) => ({ part_number: partNumber, sha256 })) };
    ctx.counters.signRequests++;
    withRetry(() => callApi(partsUrl, body, ctx.api), ctx).then(
      (answer) => {
        const byNumber = new Map((answer && Array.isArray(answer.parts) ? answer.parts : []).map((p) => [p.part_number, p]));
        for (const request of batch) {
          const signed = byNumber.get(request.partNumber);
          if (signed && typeof signed.url === 'string') request.resolve(signed);
          else request.reject(new ApiError({ source: 'api', status: 200, code: 'bad_response', message: `no URL for part ${request.partNumber}` }));
        }
      },
      (error) => batch.forEach((request) => request.reject(error)),
    );
  };
  return (partNumber, sha256) =>
    new Promise((resolve, reject) => {
      pending.push({ partNumber, sha256, resolve, reject });
      if (pending.length >= ctx.batchSize) flush();
      else if (!timer) timer = setTimeout(flush, 0);
    });
}

function expiresAtMs(value) {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const parsed = Date.parse(String(value ?? ''));
  return Number.isNaN(parsed) ? Infinity : parsed;
}

/** Aggregate progress over parts, only ever reported upwards (a retried part restarts at 0 unseen). */
function progressMeter(total, onProgress) {
  let done = 0;
  let reported = -1;
  const inFlight = new Map();
  const emit = () => {
    let loaded = done;
    for (const value of inFlight.values()) loaded += value;
    loaded = Math.min(loaded, total);
    if (loaded <= reported) return;
    reported = loaded;
    if (onProgress) onProgress({ loaded, total, fraction: total > 0 ? loaded / total : 1 });
  };
  return {
    start: (bytes) => ((done += bytes), emit()),
    part: (n, loaded) => (inFlight.set(n, loaded), emit()),
    finished: (n, size) => (inFlight.delete(n), (done += size), emit()),
    reset: (n) => inFlight.delete(n),
  };
}

/**
 * Creates the multipart upload (or takes over a stored one), sends the missing parts and completes.
 * @param {Blob & {name?: string, type: string}} file
 * @param {object} ctx built by upload-client.js: config, api ({token, fetch, signal}), store,
 *   signal, onProgress, onState(state), sleep, concurrency, maxAttempts, backoffMs, XMLHttpRequest
 * @param {object|undefined} stored a state read from the store (resume) or undefined (new upload)
 */
export async function runMultipart(file, ctx, stored) {
  ctx = { ...DEFAULTS, sleep: abortableSleep, ...ctx };
  ctx.batchSize ??= ctx.concurrency;
  ctx.counters = Object.assign(ctx.counters || {}, { signRequests: 0, partsSent: 0, maxBuffered: 0 });
  const identity = fileIdentity(file);
  const base = ctx.config.uploads_url;
  let state;
  let present = new Map(); // part number -> size S3 already has
  if (stored) {
    state = stored;
    ctx.onState(state);
    let listing;
    try {
      listing = await withRetry(() => callApi(`${base}/${state.upload_id}/parts`, undefined, ctx.api, 'GET'), ctx);
    } catch (error) {
      // The page went away after the complete reached the API but before the store forgot the
      // upload: it is stored, so resuming it is finishing it, not an error.
      if (!(error instanceof ApiError) || error.code !== 'upload_state') throw error;
      const status = await withRetry(() => callApi(`${base}/${state.upload_id}`, undefined, ctx.api, 'GET'), ctx);
      if (!status || status.state !== 'uploaded') throw error;
      await ctx.store.delete(identity);
      return {
        key: status.key || state.key,
        uploadId: state.upload_id,
        method: 'MULTIPART',
        sha256: status.sha256 ?? null,
        checksumType: status.checksum_type ?? null,
      };
    }
    if (listing.part_size !== state.part_size || listing.part_count !== state.part_count) {
      throw new ValidationError({ source: 'client', code: 'file_changed', message: 'the stored upload has another part layout' });
    }
    const [start, end] = partRange(state, 1);
    const { sha256 } = await readAndHash(file.slice(start, end), ctx.crypto);
    const s3First = (listing.parts || []).find((p) => p.part_number === 1);
    if (sha256 !== state.first_part_sha256 || (s3First && s3First.sha256 && s3First.sha256 !== sha256)) {
      throw new ValidationError({ source: 'client', code: 'file_changed', message: 'this is not the file the stored upload was started with' });
    }
    for (const part of listing.parts || []) {
      const [s, e] = partRange(state, part.part_number);
      if (part.size === e - s) present.set(part.part_number, part.size); // a part of another length is sent again
    }
  } else {
    const request = { content_type: file.type, size: file.size, method: 'MULTIPART' };
    if (file.name) request.filename = file.name;
    const created = await callApi(base, request, ctx.api);
    if (!created || typeof created.upload_id !== 'string' || !(created.part_size > 0) || !(created.part_count > 0)) {
      throw new ApiError({ source: 'api', status: 201, code: 'bad_response', message: 'multipart answer without upload_id or part layout' });
    }
    state = {
      identity,
      upload_id: created.upload_id,
      key: created.key,
      size: file.size,
      part_size: created.part_size,
      part_count: created.part_count,
      expires_at: created.expires_at ?? null,
      first_part_sha256: null,
    };
    ctx.onState(state);
    const [start, end] = partRange(state, 1);
    state.first_part_sha256 = (await readAndHash(file.slice(start, end), ctx.crypto)).sha256;
    await ctx.store.put(identity, state); // from here on, a reload can resume
  }

  const meter = progressMeter(file.size, ctx.onProgress);
  meter.start([...present.values()].reduce((a, b) => a + b, 0));
  const queue = [];
  for (let n = 1; n <= state.part_count; n++) if (!present.has(n)) queue.push(n);
  const sign = batchSigner(ctx, `${base}/${state.upload_id}/parts`);
  let buffered = 0;

  const sendPart = async (n) => {
    const [start, end] = partRange(state, n);
    const { bytes, sha256 } = await readAndHash(file.slice(start, end), ctx.crypto); // hashed as it is sent
    buffered++;
    ctx.counters.maxBuffered = Math.max(ctx.counters.maxBuffered, buffered);
    try {
      let signed = null;
      await withRetry(
        async () => {
          if (!signed || expiresAtMs(signed.expires_at) - Date.now() < ctx.resignMarginMs) signed = await sign(n, sha256);
          meter.reset(n);
          ctx.counters.partsSent++;
          await sendToStorage(bytes, { method: signed.method || 'PUT', url: signed.url, headers: signed.headers }, {
            signal: ctx.signal,
            XMLHttpRequest: ctx.XMLHttpRequest,
            onProgress: ({ loaded }) => meter.part(n, loaded),
          });
        },
        ctx,
        (kind) => {
          if (kind === 'resign') signed = null;
        },
      );
      meter.finished(n, end - start);
    } finally {
      buffered--;
    }
  };
  let failure = null;
  const worker = async () => {
    while (queue.length && !failure) {
      const n = queue.shift();
      try {
        await sendPart(n);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.concurrency, queue.length) }, worker));
  if (failure) throw failure;
  if (ctx.signal.aborted) throw abortedError();

  const done = await withRetry(() => callApi(`${base}/${state.upload_id}/complete`, undefined, ctx.api), ctx);
  await ctx.store.delete(identity);
  meter.start(0);
  return {
    key: (done && done.key) || state.key,
    uploadId: state.upload_id,
    method: 'MULTIPART',
    sha256: done ? done.sha256 ?? null : null,
    checksumType: done ? done.checksum_type ?? null : null,
  };
}
