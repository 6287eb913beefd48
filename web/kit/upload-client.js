// Upload client: presign through the upload API, send the bytes straight to S3, ask for download URLs.
// Dependency-free ES module; runs in browsers (and in Node for its unit tests, with `fetch` and
// `XMLHttpRequest` injected). The API contract is lambda_src/README.md; the configuration is the
// Terraform output `frontend_config`.

import {
  ApiError,
  NetworkError,
  StorageError,
  UploadKitError,
  ValidationError,
  VerificationError,
  abortedError,
  apiErrorFromResponse,
  callApi,
  sendToStorage,
  storageErrorFromResponse,
} from './errors.js';
import { runMultipart } from './multipart.js';
import { waitUntilReady } from './readiness.js';
import { defaultStore, fileIdentity, indexedDbStore, memoryStore } from './resume-store.js';
import { sha256Base64 } from './sha256.js';

export { ApiError, NetworkError, StorageError, UploadKitError, ValidationError, VerificationError };
export { apiErrorFromResponse, storageErrorFromResponse };
export { fileIdentity, indexedDbStore, memoryStore, sha256Base64, waitUntilReady };

/**
 * Accepts the `frontend_config` object, the same wrapped as `terraform output -json` prints a
 * single output (`{"value": {...}}`), or the whole `terraform output -json` document.
 * @returns {{api_url: string, uploads_url: string, downloads_url: string, cdn_url: string,
 *            max_upload_bytes: number, multipart_threshold_bytes: number|null, max_object_bytes: number|null,
 *            allowed_content_types: string[]}}
 */
export function normalizeConfig(raw) {
  let cfg = raw;
  if (cfg && cfg.frontend_config) cfg = cfg.frontend_config;
  if (cfg && cfg.value && typeof cfg.value === 'object') cfg = cfg.value;
  if (!cfg || typeof cfg !== 'object') throw new TypeError('frontend config must be an object');
  const types = Array.isArray(cfg.allowed_content_types)
    ? cfg.allowed_content_types
    : String(cfg.allowed_content_types ?? '').split(',');
  const trim = (url) => String(url ?? '').replace(/\/+$/, '');
  const out = {
    ...cfg,
    api_url: trim(cfg.api_url),
    uploads_url: trim(cfg.uploads_url || `${trim(cfg.api_url)}/uploads`),
    downloads_url: trim(cfg.downloads_url || `${trim(cfg.api_url)}/downloads`),
    cdn_url: trim(cfg.cdn_url),
    max_upload_bytes: Number(cfg.max_upload_bytes),
    // Multipart (absent in older deployments: then every upload is a single request).
    multipart_threshold_bytes: cfg.multipart_threshold_bytes == null ? null : Number(cfg.multipart_threshold_bytes),
    max_object_bytes: cfg.max_object_bytes == null ? null : Number(cfg.max_object_bytes),
    allowed_content_types: types.map((t) => t.trim()).filter(Boolean),
  };
  for (const name of ['uploads_url', 'downloads_url', 'cdn_url']) {
    if (!/^https?:\/\/[^/]/.test(out[name])) throw new TypeError(`frontend config: ${name} is not a URL`);
  }
  if (!(out.max_upload_bytes > 0)) throw new TypeError('frontend config: max_upload_bytes must be positive');
  return out;
}

/** Fetches and normalises the configuration file written from the `frontend_config` output. */
export async function loadConfig(url = 'config.json', { fetch: fetchImpl = globalThis.fetch } = {}) {
  const response = await fetchImpl(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return normalizeConfig(await response.json());
}

/** Single request or multipart for this file and configuration (`method` forces one). */
export function chooseMethod(file, config, method) {
  if (method) return String(method).toUpperCase();
  const threshold = config.multipart_threshold_bytes;
  return threshold != null && file.size > threshold ? 'MULTIPART' : 'POST';
}

/** Checks a file against the configured limits; S3 and the API enforce them again. */
export function validateFile(file, config, method = chooseMethod(file, config)) {
  if (!config.allowed_content_types.includes(file.type)) {
    const allowed = config.allowed_content_types.join(', ');
    throw new ValidationError({
      source: 'client',
      code: 'unsupported_media_type',
      message: `${file.type || 'unknown type'} is not allowed (allowed: ${allowed})`,
    });
  }
  if (file.size < 1) throw new ValidationError({ source: 'client', code: 'empty_file', message: 'the file is empty' });
  const multipart = method === 'MULTIPART';
  if (multipart && config.max_object_bytes == null) {
    throw new ValidationError({ source: 'client', code: 'multipart_unsupported', message: 'this deployment has no multipart uploads' });
  }
  const limit = multipart ? config.max_object_bytes : config.max_upload_bytes;
  if (file.size > limit) {
    throw new ValidationError({
      source: 'client',
      code: 'too_large',
      message: `the file has ${file.size} bytes; the limit is ${limit}`,
    });
  }
}

async function uploadSingle(file, method, ctx) {
  // The whole file's SHA-256, which the server binds into the presigned POST/PUT: S3 refuses other bytes.
  const sha256 = await sha256Base64(await file.arrayBuffer(), ctx.crypto);
  if (ctx.signal.aborted) throw abortedError();
  const request = { content_type: file.type, size: file.size, method, sha256 };
  if (file.name) request.filename = file.name;
  const presign = await callApi(ctx.config.uploads_url, request, ctx.api);
  if (!presign || typeof presign.key !== 'string' || typeof presign.url !== 'string') {
    throw new ApiError({ source: 'api', status: 201, code: 'bad_response', message: 'presign answer without key or url' });
  }
  ctx.onState({ upload_id: presign.upload_id ?? null, key: presign.key, method });
  let reported = -1;
  const onProgress = ({ loaded, total }) => {
    if (!ctx.onProgress || loaded <= reported) return;
    reported = loaded;
    ctx.onProgress({ loaded, total, fraction: total > 0 ? Math.min(1, loaded / total) : 0 });
  };
  onProgress({ loaded: 0, total: file.size });
  await sendToStorage(file, presign, { onProgress, signal: ctx.signal, XMLHttpRequest: ctx.XMLHttpRequest });
  return { key: presign.key, uploadId: presign.upload_id ?? null, method, sha256, checksumType: 'FULL_OBJECT' };
}

/**
 * Starts an upload and returns a handle: `promise` (resolves `{key, uploadId, method, sha256,
 * checksumType}`), `abort()` (settles `promise` with NetworkError `aborted` at once; for a
 * multipart upload it also calls `DELETE /uploads/{id}` and forgets the stored state; resolves
 * when that is done) and `uploadId` once known.
 *
 * Multipart state is kept in `store` (IndexedDB by default): if the store already holds an upload
 * of this file (same name, size, lastModified, type, and the same first part), it is resumed
 * instead of started again, unless `resume: false`.
 * @param {File} file
 * @param {{token: string|(() => Promise<string>), config: object, onProgress?: Function, method?: 'POST'|'PUT'|'MULTIPART',
 *          signal?: AbortSignal, store?: object, resume?: boolean|'only', concurrency?: number, maxAttempts?: number,
 *          backoffMs?: number, fetch?: typeof fetch, XMLHttpRequest?: typeof XMLHttpRequest}} options
 */
export function startUpload(file, options) {
  const controller = new AbortController();
  let current = null; // {upload_id, key, method} once the API answered
  let multipartAborted = null;
  const handle = {
    get uploadId() {
      return current ? current.upload_id : null;
    },
  };
  const store = options.store || null;
  const ctx = {
    ...options,
    config: null,
    signal: controller.signal,
    api: { token: options.token, fetch: options.fetch, signal: controller.signal },
    onState: (state) => (current = state),
  };
  let rejectAborted;
  const aborted = new Promise((_, reject) => (rejectAborted = reject));
  aborted.catch(() => {});

  const work = (async () => {
    const config = normalizeConfig(options.config);
    ctx.config = config;
    const method = chooseMethod(file, config, options.method);
    validateFile(file, config, method);
    if (controller.signal.aborted) throw abortedError();
    if (method !== 'MULTIPART') return uploadSingle(file, method, ctx);
    ctx.store = store || defaultStore();
    const stored = options.resume === false ? undefined : await ctx.store.get(fileIdentity(file));
    if (options.resume === 'only' && !stored) {
      throw new ValidationError({ source: 'client', code: 'nothing_to_resume', message: 'no stored upload of this file' });
    }
    if (!stored) return runMultipart(file, ctx, undefined);
    try {
      return await runMultipart(file, ctx, stored);
    } catch (error) {
      // The stored upload is gone (expired, aborted, unknown) or belongs to other bytes: forget it.
      const gone = error instanceof ApiError && (error.status === 404 || error.status === 410);
      const changed = error instanceof ValidationError && error.code === 'file_changed';
      if (!gone && !changed) throw error;
      // resume() of the wrong file keeps the state for the right one; upload() starts over.
      if (options.resume === 'only' && changed) throw error;
      await ctx.store.delete(fileIdentity(file));
      if (options.resume === 'only') throw error;
      current = null;
      return runMultipart(file, ctx, undefined);
    }
  })();
  work.catch(() => {});

  handle.promise = Promise.race([work, aborted]);
  handle.abort = () => {
    if (multipartAborted) return multipartAborted;
    controller.abort();
    rejectAborted(abortedError());
    multipartAborted = (async () => {
      await work.catch(() => {}); // the last in-flight request has settled: nothing is sent after the DELETE
      if (!current || current.method === 'POST' || current.method === 'PUT' || !current.upload_id) return;
      const api = { token: options.token, fetch: options.fetch };
      try {
        await callApi(`${ctx.config.uploads_url}/${current.upload_id}`, undefined, api, 'DELETE');
      } finally {
        if (ctx.store && current.identity) await ctx.store.delete(current.identity);
      }
    })();
    multipartAborted.catch(() => {});
    return multipartAborted;
  };
  if (options.signal) {
    if (options.signal.aborted) handle.abort();
    else {
      const onAbort = () => handle.abort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      // Once stored, an abort (say, of upload()'s wait for the verifier) must not DELETE the upload.
      work.then(() => options.signal.removeEventListener('abort', onAbort), () => {});
    }
  }
  return handle;
}

/**
 * Uploads a file: single presigned POST/PUT up to `multipart_threshold_bytes`, multipart above it,
 * then waits until the verifier has published it (polling `GET /uploads/{upload_id}`, see
 * waitUntilReady). Same options as startUpload, plus `ready`: `false` resolves as soon as the
 * bytes are stored (not yet downloadable), or `{timeoutMs, pollMs, maxPollMs, onStatus}`.
 * `signal` aborts, during the transfer or the wait. Rejects VerificationError when the verifier
 * rejected the file (`code` is its reason) or did not answer in time.
 * @returns {Promise<string>} the object key chosen by the server (the published key, what to download)
 */
export async function upload(file, options) {
  const stored = await startUpload(file, options).promise;
  return settleReady(stored, options);
}

async function settleReady(stored, options) {
  if (options.ready === false || !stored.uploadId) return stored.key;
  const status = await waitUntilReady(stored.uploadId, {
    ...(typeof options.ready === 'object' ? options.ready : {}),
    token: options.token,
    config: normalizeConfig(options.config),
    signal: options.signal,
    fetch: options.fetch,
  });
  return status && typeof status.key === 'string' ? status.key : stored.key;
}

/**
 * Resumes the stored multipart upload of this file (after a reload or a crash): lists the parts S3
 * has and sends only the missing ones. Rejects ValidationError `nothing_to_resume` when the store
 * has no upload of this file, `file_changed` when its first part differs.
 * Waits for the verifier as upload() does (`ready`).
 * @returns {Promise<string>} the object key
 */
export async function resume(file, options) {
  const stored = await startUpload(file, { ...options, method: 'MULTIPART', resume: 'only' }).promise;
  return settleReady(stored, options);
}

/** Whether the store holds an unfinished multipart upload of this file (nothing is read from the file). */
export async function hasStoredUpload(file, { store = defaultStore() } = {}) {
  return (await store.get(fileIdentity(file))) !== undefined;
}

/**
 * Asks the API for a short-lived, path-scoped download URL of an object.
 * @returns {Promise<{url: string, token: string, path: string, expiresAt: number|null}>} expiresAt in epoch ms
 */
export async function downloadUrl(key, options) {
  const config = normalizeConfig(options.config);
  const answer = await callApi(config.downloads_url, { key }, options);
  if (!answer || typeof answer.url !== 'string' || typeof answer.token !== 'string') {
    throw new ApiError({ source: 'api', status: 200, code: 'bad_response', message: 'download answer without url or token' });
  }
  return { url: answer.url, token: answer.token, path: new URL(answer.url).pathname, expiresAt: toEpochMs(answer.expires_at) };
}

/** Accepts epoch seconds, epoch milliseconds or an ISO 8601 string; null when unknown. */
export function toEpochMs(value) {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const parsed = Date.parse(String(value ?? ''));
  return Number.isNaN(parsed) ? null : parsed;
}
