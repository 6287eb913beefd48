// Unit tests of web/kit/upload-client.js: error mapping and the request flow, with fake transports.
// Run: node --test tests/browser/js/ (Node >= 20, no npm packages).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';

import {
  ApiError,
  NetworkError,
  StorageError,
  UploadKitError,
  ValidationError,
  apiErrorFromResponse,
  downloadUrl,
  normalizeConfig,
  storageErrorFromResponse,
  toEpochMs,
  upload,
} from '../../../web/kit/upload-client.js';

const CONFIG = {
  api_url: 'https://api.example.test/v1',
  uploads_url: 'https://api.example.test/v1/uploads',
  downloads_url: 'https://api.example.test/v1/downloads',
  cdn_url: 'https://d111.cloudfront.net',
  cdn_domain: 'd111.cloudfront.net',
  bucket_name: 'uploads-bucket',
  max_upload_bytes: 1024,
  allowed_content_types: ['image/png', 'image/jpeg'],
};
const PNG = new File([new Uint8Array(100)], 'cat.png', { type: 'image/png' });
const KEY = 'uploads/dXNlci0x/3f1c2a.png';

function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A fetch that answers from a queue and records what it was asked. */
function fakeFetch(...answers) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init, body: JSON.parse(init.body) });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return next;
  };
  impl.calls = calls;
  return impl;
}

/** An XMLHttpRequest stand-in: fires progress events, then load/error with the given outcome. */
function fakeXhr({ status = 204, responseText = '', fail = null, headers = {} } = {}) {
  const instances = [];
  class FakeXhr extends EventTarget {
    constructor() {
      super();
      this.upload = new EventTarget();
      this.requestHeaders = {};
      instances.push(this);
    }
    open(method, url) {
      Object.assign(this, { method, url });
    }
    setRequestHeader(name, value) {
      this.requestHeaders[name] = value;
    }
    getResponseHeader(name) {
      return headers[name.toLowerCase()] ?? null;
    }
    // Like a real XMLHttpRequest: abort() fires `abort` only while a request is in flight (after
    // send()); before send() (state OPENED, send flag unset) it fires nothing and resets the
    // request, so a later send() throws InvalidStateError.
    abort() {
      this.aborted = true;
      if (this.sent && !this.done) {
        this.done = true;
        this.dispatchEvent(new Event('abort'));
      }
    }
    send(body) {
      if (this.aborted && !this.sent) throw new DOMException('not opened', 'InvalidStateError');
      this.body = body;
      this.sent = true;
      queueMicrotask(() => {
        if (this.done) return;
        if (fail) {
          this.done = true;
          return this.dispatchEvent(new Event(fail));
        }
        for (const loaded of [30, 100]) {
          const event = new Event('progress');
          Object.assign(event, { loaded, total: 100, lengthComputable: true });
          this.upload.dispatchEvent(event);
        }
        if (this.done) return; // aborted from a progress listener
        this.done = true;
        Object.assign(this, { status, responseText });
        this.dispatchEvent(new Event('load'));
      });
    }
  }
  FakeXhr.instances = instances;
  return FakeXhr;
}

const PRESIGN_POST = {
  key: KEY,
  method: 'POST',
  url: 'https://uploads-bucket.s3.amazonaws.com/',
  fields: { key: KEY, 'Content-Type': 'image/png', policy: 'eyJ...', 'x-amz-signature': 'abc' },
  expires_at: '2030-01-01T00:00:00Z',
  max_size: 1024,
};

describe('apiErrorFromResponse', () => {
  test("keeps the server's code, message and status", () => {
    const error = apiErrorFromResponse(415, JSON.stringify({ error: { code: 'unsupported_media_type', message: 'no' } }));
    assert.ok(error instanceof ApiError && error instanceof UploadKitError && error instanceof Error);
    assert.deepEqual([error.name, error.source, error.status, error.code, error.message], [
      'ApiError', 'api', 415, 'unsupported_media_type', 'no',
    ]);
  });

  test('reads Retry-After in seconds and as an HTTP date', () => {
    const body = JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } });
    assert.equal(apiErrorFromResponse(429, body, new Headers({ 'retry-after': '7' })).retryAfter, 7);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const fromDate = apiErrorFromResponse(429, body, new Headers({ 'retry-after': inTenSeconds })).retryAfter;
    assert.ok(fromDate >= 8 && fromDate <= 11, String(fromDate));
    assert.equal(apiErrorFromResponse(429, body, new Headers()).retryAfter, null);
  });

  test("API Gateway's own {message} answers keep a generic code", () => {
    const error = apiErrorFromResponse(429, JSON.stringify({ message: 'Too Many Requests' }));
    assert.deepEqual([error.code, error.message], ['http_429', 'Too Many Requests']);
  });

  test('a non-JSON body never leaks into the message', () => {
    const error = apiErrorFromResponse(502, '<html><body>Bad gateway</body></html>');
    assert.equal(error.code, 'http_502');
    assert.doesNotMatch(error.message, /html/);
  });

  test('ignores error fields of the wrong type', () => {
    const error = apiErrorFromResponse(400, JSON.stringify({ error: { code: 42, message: ['x'] } }));
    assert.deepEqual([error.code, error.message], ['http_400', 'upload API answered HTTP 400']);
  });
});

describe('storageErrorFromResponse', () => {
  test("keeps S3's code and message, entities decoded", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size &amp; more</Message>
<ProposedSize>2048</ProposedSize><MaxSizeAllowed>1024</MaxSizeAllowed><RequestId>X</RequestId></Error>`;
    const error = storageErrorFromResponse(400, xml);
    assert.ok(error instanceof StorageError && error instanceof UploadKitError);
    assert.deepEqual([error.source, error.status, error.code], ['s3', 400, 'EntityTooLarge']);
    assert.equal(error.message, 'Your proposed upload exceeds the maximum allowed size & more');
  });

  test('policy failures are AccessDenied', () => {
    const xml = '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>';
    const error = storageErrorFromResponse(403, xml);
    assert.deepEqual([error.code, error.message], ['AccessDenied', 'Invalid according to Policy: Policy expired.']);
  });

  test('an empty body gets a generic code', () => {
    assert.deepEqual([storageErrorFromResponse(503, '').code, storageErrorFromResponse(503, null).status], ['http_503', 503]);
  });
});

describe('upload', () => {
  test('presigned POST: fields first, file last, real progress, resolves to the key', async () => {
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    const XMLHttpRequest = fakeXhr();
    const progress = [];
    const key = await upload(PNG, { token: 'user-jwt', config: CONFIG, fetch, XMLHttpRequest, onProgress: (p) => progress.push(p.fraction) });
    assert.equal(key, KEY);
    const [call] = fetch.calls;
    assert.equal(call.url, CONFIG.uploads_url);
    assert.equal(call.init.headers.authorization, 'Bearer user-jwt');
    // The whole file's SHA-256 (base64), computed here with Node's own crypto, not the kit's.
    const sha256 = createHash('sha256').update(new Uint8Array(100)).digest('base64');
    assert.deepEqual(call.body, { content_type: 'image/png', size: 100, method: 'POST', filename: 'cat.png', sha256 });
    const [xhr] = XMLHttpRequest.instances;
    assert.deepEqual([xhr.method, xhr.url], ['POST', PRESIGN_POST.url]);
    const names = [...xhr.body.keys()];
    assert.deepEqual(names, [...Object.keys(PRESIGN_POST.fields), 'file']);
    assert.deepEqual(progress, [0, 0.3, 1]); // reported upwards only: the final 1 is not repeated
  });

  test('presigned PUT: the signed headers are sent, the body is the file', async () => {
    const presign = { key: KEY, method: 'PUT', url: 'https://s3.test/put?X-Amz-Signature=s', headers: { 'Content-Type': 'image/png' } };
    const fetch = fakeFetch(jsonResponse(201, presign));
    const XMLHttpRequest = fakeXhr({ status: 200, headers: { etag: '"abc"' } });
    assert.equal(await upload(PNG, { token: 't', config: CONFIG, method: 'PUT', fetch, XMLHttpRequest }), KEY);
    const [xhr] = XMLHttpRequest.instances;
    assert.deepEqual([xhr.method, xhr.requestHeaders, xhr.body], ['PUT', { 'Content-Type': 'image/png' }, PNG]);
    assert.equal(fetch.calls[0].body.method, 'PUT');
  });

  test('an API refusal is an ApiError and nothing is sent to S3', async () => {
    const fetch = fakeFetch(jsonResponse(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '30' }));
    const XMLHttpRequest = fakeXhr();
    await assert.rejects(upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest }), (error) => {
      assert.ok(error instanceof ApiError);
      assert.deepEqual([error.status, error.code, error.message, error.retryAfter], [429, 'rate_limited', 'slow down', 30]);
      return true;
    });
    assert.equal(XMLHttpRequest.instances.length, 0);
  });

  test('an S3 refusal is a StorageError', async () => {
    const xml = '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed</Message></Error>';
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest: fakeXhr({ status: 403, responseText: xml }) }),
      (error) => error instanceof StorageError && error.code === 'AccessDenied' && error.status === 403,
    );
  });

  test('an unreachable bucket (network or CORS) is a NetworkError', async () => {
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest: fakeXhr({ fail: 'error' }) }),
      (error) => error instanceof NetworkError && error.code === 'network_error' && error.status === 0,
    );
  });

  test('an unreachable API is a NetworkError', async () => {
    const fetch = fakeFetch(new TypeError('Failed to fetch'));
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest: fakeXhr() }),
      (error) => error instanceof NetworkError && error.code === 'network_error' && error.cause instanceof TypeError,
    );
  });

  test('aborting during the transfer is a NetworkError with code aborted', async () => {
    const controller = new AbortController();
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    const onProgress = ({ fraction }) => fraction > 0 && controller.abort();
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest: fakeXhr(), signal: controller.signal, onProgress }),
      (error) => error instanceof NetworkError && error.code === 'aborted',
    );
  });

  // Each case gets a timeout: a promise that never settles is the defect, and must fail, not hang.
  test('aborting just before send() settles the promise (aborted)', { timeout: 2000 }, async () => {
    const controller = new AbortController();
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    const XMLHttpRequest = fakeXhr();
    const onProgress = ({ fraction }) => fraction === 0 && controller.abort(); // the 0 % report precedes send()
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest, signal: controller.signal, onProgress }),
      (error) => error instanceof NetworkError && error.code === 'aborted',
    );
    assert.ok(XMLHttpRequest.instances.every((xhr) => !xhr.sent), 'nothing may be sent after the abort');
  });

  test('aborting while the presign request is answered settles the promise (aborted)', { timeout: 2000 }, async () => {
    const controller = new AbortController();
    // A fetch that ignores the signal and answers after the abort: the bytes must not go out.
    const slowFetch = async () => {
      controller.abort();
      return jsonResponse(201, PRESIGN_POST);
    };
    slowFetch.calls = [];
    const XMLHttpRequest = fakeXhr();
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch: slowFetch, XMLHttpRequest, signal: controller.signal }),
      (error) => error instanceof NetworkError && error.code === 'aborted',
    );
    assert.ok(XMLHttpRequest.instances.every((xhr) => !xhr.sent));
  });

  test('an already aborted signal rejects before any request', { timeout: 2000 }, async () => {
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    const XMLHttpRequest = fakeXhr();
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest, signal: AbortSignal.abort() }),
      (error) => error instanceof NetworkError && error.code === 'aborted',
    );
    assert.deepEqual([fetch.calls.length, XMLHttpRequest.instances.length], [0, 0]);
  });

  test('the test double fires abort only for a request in flight (control)', () => {
    const Xhr = fakeXhr();
    const events = [];
    const before = new Xhr();
    before.addEventListener('abort', () => events.push('before'));
    before.open('PUT', 'https://s3.test/');
    before.abort();
    assert.throws(() => before.send(null), /not opened/);
    const during = new Xhr();
    during.addEventListener('abort', () => events.push('during'));
    during.open('PUT', 'https://s3.test/');
    during.send(null);
    during.abort();
    assert.deepEqual(events, ['during']);
  });

  test('a presign answer without key or url is refused', async () => {
    const fetch = fakeFetch(jsonResponse(201, { url: 'https://s3.test/' }));
    await assert.rejects(
      upload(PNG, { token: 't', config: CONFIG, fetch, XMLHttpRequest: fakeXhr() }),
      (error) => error instanceof ApiError && error.code === 'bad_response',
    );
  });

  for (const [name, file, token, code] of [
    ['a type outside the allow-list', new File(['x'], 'a.svg', { type: 'image/svg+xml' }), 't', 'unsupported_media_type'],
    ['an empty file', new File([], 'a.png', { type: 'image/png' }), 't', 'empty_file'],
    ['a file over the limit', new File([new Uint8Array(1025)], 'a.png', { type: 'image/png' }), 't', 'too_large'],
    ['no token', PNG, '', 'missing_token'],
  ]) {
    test(`${name} is a ValidationError before any request`, async () => {
      const fetch = fakeFetch();
      await assert.rejects(
        upload(file, { token, config: CONFIG, fetch, XMLHttpRequest: fakeXhr() }),
        (error) => error instanceof ValidationError && error.source === 'client' && error.code === code,
      );
      assert.equal(fetch.calls.length, 0);
    });
  }

  test('a file exactly at the limit is accepted', async () => {
    const file = new File([new Uint8Array(1024)], 'a.png', { type: 'image/png' });
    const fetch = fakeFetch(jsonResponse(201, PRESIGN_POST));
    assert.equal(await upload(file, { token: 't', config: CONFIG, fetch, XMLHttpRequest: fakeXhr() }), KEY);
  });
});

describe('downloadUrl', () => {
  test('returns the URL, the token, the CDN path and the expiry', async () => {
    const url = `${CONFIG.cdn_url}/${KEY}?authorization=tok`;
    const fetch = fakeFetch(jsonResponse(200, { url, token: 'tok', expires_at: 1_900_000_000 }));
    const grant = await downloadUrl(KEY, { token: 'user-jwt', config: CONFIG, fetch });
    assert.deepEqual(grant, { url, token: 'tok', path: `/${KEY}`, expiresAt: 1_900_000_000_000 });
    assert.deepEqual([fetch.calls[0].url, fetch.calls[0].body], [CONFIG.downloads_url, { key: KEY }]);
  });

  test("a refusal keeps the server's code", async () => {
    const fetch = fakeFetch(jsonResponse(403, { error: { code: 'forbidden', message: 'not your object' } }));
    await assert.rejects(
      downloadUrl(KEY, { token: 't', config: CONFIG, fetch }),
      (error) => error instanceof ApiError && error.status === 403 && error.code === 'forbidden',
    );
  });
});

describe('configuration', () => {
  test('accepts the output as terraform output -json prints it, and comma lists', () => {
    const config = normalizeConfig({ value: { ...CONFIG, allowed_content_types: 'image/png, image/gif', cdn_url: 'http://127.0.0.1:4581/' } });
    assert.deepEqual(config.allowed_content_types, ['image/png', 'image/gif']);
    assert.equal(config.cdn_url, 'http://127.0.0.1:4581');
    assert.equal(normalizeConfig({ frontend_config: { value: CONFIG } }).uploads_url, CONFIG.uploads_url);
  });

  test('refuses a config without URLs or limits', () => {
    assert.throws(() => normalizeConfig({ ...CONFIG, cdn_url: 'javascript:alert(1)' }), /cdn_url/);
    assert.throws(() => normalizeConfig({ ...CONFIG, max_upload_bytes: 0 }), /max_upload_bytes/);
    assert.throws(() => normalizeConfig(null), TypeError);
  });

  test('expiries in seconds, milliseconds and ISO 8601', () => {
    assert.equal(toEpochMs(1_700_000_000), 1_700_000_000_000);
    assert.equal(toEpochMs(1_700_000_000_000), 1_700_000_000_000);
    assert.equal(toEpochMs('2030-01-01T00:00:00Z'), Date.UTC(2030, 0, 1));
    assert.equal(toEpochMs('soon'), null);
  });
});
