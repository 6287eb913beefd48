// Upload client: presign through the upload API, send the bytes straight to S3, ask for download URLs.
// Dependency-free ES module; runs in browsers (and in Node for its unit tests, with `fetch` and
// `XMLHttpRequest` injected). The API contract is lambda_src/README.md; the configuration is the
// Terraform output `frontend_config`.

/** Base class of every error this kit throws; `source` tells which party refused. */
export class UploadKitError extends Error {
  /**
   * @param {{source: 'client'|'api'|'s3'|'network', code: string, message: string, status?: number,
   *          retryAfter?: number|null, cause?: unknown}} details
   */
  constructor({ source, code, message, status = 0, retryAfter = null, cause }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.source = source;
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Refused before any request: the file does not fit the configured limits. */
export class ValidationError extends UploadKitError {}
/** The upload API answered with an error (`{"error": {"code", "message"}}`). */
export class ApiError extends UploadKitError {}
/** S3 refused the upload (its XML `<Error><Code/><Message/></Error>`). */
export class StorageError extends UploadKitError {}
/** No HTTP answer could be read: offline, DNS, TLS, a CORS refusal, a timeout or an abort. */
export class NetworkError extends UploadKitError {}

/**
 * Accepts the `frontend_config` object, the same wrapped as `terraform output -json` prints a
 * single output (`{"value": {...}}`), or the whole `terraform output -json` document.
 * @returns {{api_url: string, uploads_url: string, downloads_url: string, cdn_url: string,
 *            max_upload_bytes: number, allowed_content_types: string[]}}
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

function parseRetryAfter(value) {
  if (value == null || value === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Maps an error answer of the upload API to an ApiError, keeping the server's code and message.
 * Answers that are not the API's JSON shape (a gateway error page, say) get `http_<status>`.
 * @param {number} status
 * @param {string} bodyText
 * @param {{get(name: string): string|null}|null} headers
 */
export function apiErrorFromResponse(status, bodyText, headers = null) {
  let code = `http_${status}`;
  let message = `upload API answered HTTP ${status}`;
  try {
    const body = JSON.parse(bodyText);
    const error = body && body.error;
    if (error && typeof error === 'object') {
      if (typeof error.code === 'string' && error.code) code = error.code;
      if (typeof error.message === 'string' && error.message) message = error.message;
    } else if (body && typeof body.message === 'string') {
      message = body.message; // API Gateway's own answers, e.g. throttling: {"message": "Too Many Requests"}
    }
  } catch {
    // Not JSON: keep the generic code; the body may be an HTML error page, never worth showing raw.
  }
  const retryAfter = parseRetryAfter(headers ? headers.get('retry-after') : null);
  return new ApiError({ source: 'api', status, code, message, retryAfter });
}

const XML_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(xml, tag) {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match ? match[1].replace(/&(amp|lt|gt|quot|apos);/g, (_, name) => XML_ENTITIES[name]) : null;
}

/**
 * Maps an S3 error answer (`<Error><Code>EntityTooLarge</Code><Message>...</Message></Error>`) to a
 * StorageError. An empty or foreign body keeps `http_<status>`.
 */
export function storageErrorFromResponse(status, bodyText) {
  const body = String(bodyText ?? '');
  const code = xmlText(body, 'Code') || `http_${status}`;
  const message = xmlText(body, 'Message') || `storage answered HTTP ${status}`;
  return new StorageError({ source: 's3', status, code, message });
}

async function callApi(url, body, { token, fetch: fetchImpl = globalThis.fetch, signal }) {
  if (!token) throw new ValidationError({ source: 'client', code: 'missing_token', message: 'sign in first' });
  let response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      signal,
    });
  } catch (cause) {
    const aborted = cause && cause.name === 'AbortError';
    throw new NetworkError({
      source: 'network',
      code: aborted ? 'aborted' : 'network_error',
      message: aborted ? 'request aborted' : 'the upload API could not be reached (network or CORS)',
      cause,
    });
  }
  const text = await response.text();
  if (!response.ok) throw apiErrorFromResponse(response.status, text, response.headers);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ApiError({ source: 'api', status: response.status, code: 'bad_response', message: 'not JSON', cause });
  }
}

/** Checks a file against the configured limits; S3 and the API enforce them again. */
export function validateFile(file, config) {
  if (!config.allowed_content_types.includes(file.type)) {
    const allowed = config.allowed_content_types.join(', ');
    throw new ValidationError({
      source: 'client',
      code: 'unsupported_media_type',
      message: `${file.type || 'unknown type'} is not allowed (allowed: ${allowed})`,
    });
  }
  if (file.size < 1) throw new ValidationError({ source: 'client', code: 'empty_file', message: 'the file is empty' });
  if (file.size > config.max_upload_bytes) {
    throw new ValidationError({
      source: 'client',
      code: 'too_large',
      message: `the file has ${file.size} bytes; the limit is ${config.max_upload_bytes}`,
    });
  }
}

const abortedError = () => new NetworkError({ source: 'network', code: 'aborted', message: 'upload aborted' });

function sendToStorage(file, presign, { onProgress, signal, XMLHttpRequest: Xhr = globalThis.XMLHttpRequest }) {
  return new Promise((resolve, reject) => {
    // An XMLHttpRequest aborted before send() fires no event at all: settle here, never wait for one.
    if (signal && signal.aborted) return reject(abortedError());
    const xhr = new Xhr();
    const method = String(presign.method || 'POST').toUpperCase();
    xhr.open(method, presign.url);
    let body;
    if (method === 'POST') {
      body = new FormData();
      for (const [name, value] of Object.entries(presign.fields || {})) body.append(name, value);
      body.append('file', file); // S3 ignores every field after the file: it must come last.
    } else {
      for (const [name, value] of Object.entries(presign.headers || {})) xhr.setRequestHeader(name, value);
      body = file;
    }
    const report = (loaded, total) => {
      if (onProgress) onProgress({ loaded, total, fraction: total > 0 ? Math.min(1, loaded / total) : 0 });
    };
    // A listener on xhr.upload makes a cross-origin request "non-simple": the browser sends a CORS
    // preflight first, so the bucket's CORS rules must allow the method from this origin.
    if (onProgress) xhr.upload.addEventListener('progress', (e) => report(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        report(file.size, file.size);
        resolve({ etag: xhr.getResponseHeader('etag') });
      } else {
        reject(storageErrorFromResponse(xhr.status, xhr.responseText));
      }
    });
    const fail = (code, message) => () => reject(new NetworkError({ source: 'network', code, message }));
    xhr.addEventListener('error', fail('network_error', 'storage could not be reached (network or CORS)'));
    xhr.addEventListener('timeout', fail('timeout', 'the upload timed out'));
    xhr.addEventListener('abort', () => reject(abortedError()));
    if (signal) {
      // Reject from the signal itself as well: every abort settles the promise, whatever state the
      // request is in (a second settle is a no-op).
      signal.addEventListener(
        'abort',
        () => {
          xhr.abort();
          reject(abortedError());
        },
        { once: true },
      );
    }
    xhr.send(body);
  });
}

/**
 * Uploads a file: presign through the API, then send the bytes straight to S3.
 * @param {File|Blob & {name?: string}} file
 * @param {{token: string, config: object, onProgress?: (p: {loaded: number, total: number, fraction: number}) => void,
 *          method?: 'POST'|'PUT', signal?: AbortSignal, fetch?: typeof fetch, XMLHttpRequest?: typeof XMLHttpRequest}} options
 * @returns {Promise<string>} the object key chosen by the server
 */
export async function upload(file, options) {
  const { token, onProgress, method = 'POST', signal } = options;
  const config = normalizeConfig(options.config);
  validateFile(file, config);
  if (signal && signal.aborted) throw abortedError();
  const request = { content_type: file.type, size: file.size, method };
  if (file.name) request.filename = file.name;
  const presign = await callApi(config.uploads_url, request, options);
  if (!presign || typeof presign.key !== 'string' || typeof presign.url !== 'string') {
    throw new ApiError({ source: 'api', status: 201, code: 'bad_response', message: 'presign answer without key or url' });
  }
  if (onProgress) onProgress({ loaded: 0, total: file.size, fraction: 0 });
  await sendToStorage(file, presign, { onProgress, signal, XMLHttpRequest: options.XMLHttpRequest });
  return presign.key;
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
