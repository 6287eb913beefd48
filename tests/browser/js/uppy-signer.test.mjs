// Unit tests of web/kit/uppy-signer.js: Uppy's request objects go to POST /uppy/sign with the
// user's token, and only Uppy's response fields come back. Run: node --test tests/browser/js/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError } from '../../../web/kit/errors.js';
import { uploadIdOfKey, uppySigner } from '../../../web/kit/uppy-signer.js';

const API = 'https://api.test/v1/';
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function recordingFetch(answer) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init, body: JSON.parse(init.body) });
    return answer.clone();
  };
  fetch.calls = calls;
  return fetch;
}

describe('uppySigner', () => {
  test('sends the request to /uppy/sign with a fresh token and returns what Uppy reads', async () => {
    const fetch = recordingFetch(
      json(200, { url: 'https://s3.test/b', key: 'quarantine/o/abc.png', fields: { key: 'quarantine/o/abc.png', policy: 'p' }, upload_id: 'abc', published_key: 'uploads/o/abc.png' }),
    );
    let tokens = 0;
    const sign = uppySigner({ apiUrl: API, getToken: async () => `jwt-${++tokens}`, fetch });
    const signed = await sign({ method: 'PUT', key: 'uuid-cat.png', contentType: 'image/png', extra: 'dropped' });
    assert.deepEqual(signed, { url: 'https://s3.test/b', key: 'quarantine/o/abc.png', fields: { key: 'quarantine/o/abc.png', policy: 'p' } });
    await sign({ method: 'PUT', key: 'quarantine/o/abc.png', uploadId: 'U', partNumber: 2 });
    const [first, second] = fetch.calls;
    assert.equal(first.url, 'https://api.test/v1/uppy/sign');
    assert.equal(first.init.method, 'POST');
    assert.equal(first.init.credentials, 'omit');
    assert.equal(first.init.headers.authorization, 'Bearer jwt-1');
    assert.equal(second.init.headers.authorization, 'Bearer jwt-2', 'getToken is asked before every request');
    assert.deepEqual(first.body, { method: 'PUT', key: 'uuid-cat.png', contentType: 'image/png' });
    assert.deepEqual(second.body, { method: 'PUT', key: 'quarantine/o/abc.png', uploadId: 'U', partNumber: 2 });
  });

  test('headers come back for a signed multipart create', async () => {
    const sign = uppySigner({ apiUrl: API, getToken: 't', fetch: recordingFetch(json(200, { url: 'u', key: 'k', headers: { 'Content-Type': 'image/png' } })) });
    assert.deepEqual(await sign({ method: 'POST', key: 'x.png' }), { url: 'u', key: 'k', headers: { 'Content-Type': 'image/png' } });
  });

  test('a refusal rejects the kit\'s ApiError with the API\'s code', async () => {
    const sign = uppySigner({ apiUrl: API, getToken: 't', fetch: recordingFetch(json(404, { error: { code: 'upload_not_found', message: 'No such upload.' } })) });
    await assert.rejects(sign({ method: 'GET', key: 'k', uploadId: 'someone-elses' }), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'upload_not_found');
      return true;
    });
  });

  test('an answer without a url is refused, not handed to Uppy', async () => {
    const sign = uppySigner({ apiUrl: API, getToken: 't', fetch: recordingFetch(json(200, { key: 'k' })) });
    await assert.rejects(sign({ method: 'PUT', key: 'k', contentType: 'image/png' }), { name: 'ApiError', code: 'bad_response' });
  });

  test('no token, no request', async () => {
    const fetch = recordingFetch(json(200, { url: 'u' }));
    const sign = uppySigner({ apiUrl: API, getToken: async () => '', fetch });
    await assert.rejects(sign({ method: 'PUT', key: 'k' }), { name: 'ValidationError', code: 'missing_token' });
    assert.equal(fetch.calls.length, 0);
    assert.throws(() => uppySigner({ apiUrl: API }), TypeError);
  });
});

test('uploadIdOfKey reads the id of a key the API chose, and nothing else', () => {
  const id = '0123456789abcdef0123456789abcdef';
  assert.equal(uploadIdOfKey(`quarantine/b3duZXI/${id}.png`), id);
  assert.equal(uploadIdOfKey(`uploads/b3duZXI/${id}.jpg`), id);
  assert.equal(uploadIdOfKey('3f1c-cat.png'), null);
  assert.equal(uploadIdOfKey(`quarantine/b3duZXI/${id.toUpperCase()}.png`), null);
  assert.equal(uploadIdOfKey(undefined), null);
});
