// Errors and transports shared by the kit's modules: typed errors, the upload API call, one
// XMLHttpRequest to storage. Dependency-free ES module (browsers; Node with injected transports).

/** Base class of every error this kit throws; `source` tells which party refused. */
export class UploadKitError extends Error {
  /**
   * @param {{source: 'client'|'api'|'s3'|'network'|'verifier', code: string, message: string, status?: number,
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
 * The bytes are stored but not published: the verifier rejected them (`code` is its reason, e.g.
 * `type_mismatch`, `too_large`), or they were not verified in time (`verification_timeout`).
 */
export class VerificationError extends UploadKitError {}

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

/**
 * Calls the upload API with the user's token; `token` may be a string or an async function that
 * returns one (called before every request, so a long multipart upload picks up renewed tokens).
 * `body` undefined sends no body. Answers 204 as null.
 */
export async function callApi(url, body, { token, fetch: fetchImpl = globalThis.fetch, signal }, method = 'POST') {
  const bearer = typeof token === 'function' ? await token() : token;
  if (!bearer) throw new ValidationError({ source: 'client', code: 'missing_token', message: 'sign in first' });
  const headers = { authorization: `Bearer ${bearer}` };
  const init = { method, headers, credentials: 'omit', signal };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetchImpl(url, init);
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
  if (response.ok && (response.status === 204 || text === '')) return null;
  if (!response.ok) throw apiErrorFromResponse(response.status, text, response.headers);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ApiError({ source: 'api', status: response.status, code: 'bad_response', message: 'not JSON', cause });
  }
}


export const abortedError = () => new NetworkError({ source: 'network', code: 'aborted', message: 'upload aborted' });

/**
 * Sends one request body straight to storage with an XMLHttpRequest (the only browser API with
 * upload progress). Resolves `{etag, checksum}`; rejects StorageError (S3's XML) or NetworkError.
 * @param {{method: string, url: string, headers?: object, fields?: object}} target
 * @param {Blob|ArrayBuffer|Uint8Array} body for POST the file goes last in a FormData with `fields`
 */
export function sendToStorage(body, target, { onProgress, signal, XMLHttpRequest: Xhr = globalThis.XMLHttpRequest }) {
  const size = body.size ?? body.byteLength;
  return new Promise((resolve, reject) => {
    // An XMLHttpRequest aborted before send() fires no event at all: settle here, never wait for one.
    if (signal && signal.aborted) return reject(abortedError());
    const xhr = new Xhr();
    const method = String(target.method || 'POST').toUpperCase();
    xhr.open(method, target.url);
    let payload;
    if (method === 'POST') {
      payload = new FormData();
      for (const [name, value] of Object.entries(target.fields || {})) payload.append(name, value);
      payload.append('file', body); // S3 ignores every field after the file: it must come last.
    } else {
      for (const [name, value] of Object.entries(target.headers || {})) {
        // Browsers refuse to set Content-Length (a forbidden header) and set it from the body.
        if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
      }
      payload = body;
    }
    const report = (loaded) => {
      if (onProgress) onProgress({ loaded: Math.min(loaded, size), total: size });
    };
    // A listener on xhr.upload makes a cross-origin request "non-simple": the browser sends a CORS
    // preflight first, so the bucket's CORS rules must allow the method from this origin.
    if (onProgress) xhr.upload.addEventListener('progress', (e) => report(e.loaded));
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        report(size);
        resolve({ etag: xhr.getResponseHeader('etag'), checksum: xhr.getResponseHeader('x-amz-checksum-sha256') });
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
    xhr.send(payload);
  });
}
