// Uppy drop-in: a `signRequest` for @uppy/aws-s3 (6.x) that asks the upload API to sign each S3
// request (POST /uppy/sign), so the page holds the user's JWT and never an AWS credential.
// Dependency-free ES module; Uppy itself is the app's dependency, not the kit's.

import { ApiError, callApi } from './errors.js';

// What Uppy's request objects carry (lib/s3-client/types.d.ts); nothing else is forwarded.
const REQUEST_FIELDS = ['method', 'key', 'uploadId', 'partNumber', 'contentType', 'expiresIn'];
const KEY_ID = /\/([0-9a-f]{32})\.[a-z0-9]{1,5}$/;

/**
 * @param {{apiUrl: string, getToken: string|(() => Promise<string>), fetch?: typeof fetch}} options
 *   `apiUrl` is the `api_url` of the frontend config; `getToken` is called before every request.
 * @returns {(request: object) => Promise<{url: string, key?: string, headers?: object, fields?: object}>}
 *   Rejects the kit's ApiError (`code` from the API: `unsupported_media_type`, `upload_not_found`,
 *   `rate_limited`, ...), which Uppy reports as the file's upload error.
 */
export function uppySigner({ apiUrl, getToken, fetch }) {
  if (!apiUrl) throw new TypeError('uppySigner: apiUrl is required');
  if (!getToken) throw new TypeError('uppySigner: getToken is required');
  const url = `${String(apiUrl).replace(/\/+$/, '')}/uppy/sign`;
  return async function signRequest(request) {
    const body = {};
    for (const name of REQUEST_FIELDS) if (request[name] !== undefined) body[name] = request[name];
    const answer = await callApi(url, body, { token: getToken, fetch });
    if (!answer || typeof answer.url !== 'string') {
      throw new ApiError({ source: 'api', status: 200, code: 'bad_response', message: 'signing answer without url' });
    }
    // Only what Uppy reads: `key` is the server's (quarantine) key, and wins over Uppy's proposal.
    const signed = { url: answer.url };
    for (const name of ['key', 'headers', 'fields']) if (answer[name] != null) signed[name] = answer[name];
    return signed;
  };
}

/**
 * The upload id inside a key the API chose (`quarantine/<owner>/<id>.<ext>`, as Uppy reports it
 * in `upload-success`): what GET /uploads/{upload_id} (waitUntilReady) takes. Null for any other key.
 */
export function uploadIdOfKey(key) {
  const match = KEY_ID.exec(String(key ?? ''));
  return match ? match[1] : null;
}
