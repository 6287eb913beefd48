// Unit tests of the kit's multipart uploads (web/kit/multipart.js through upload-client.js) and of
// its resume store, against the in-memory API + S3 of fakes.mjs. Run: node --test tests/browser/js/
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError, NetworkError, StorageError, ValidationError, fileIdentity, resume, startUpload, upload } from '../../../web/kit/upload-client.js';
import { indexedDbStore, memoryStore } from '../../../web/kit/resume-store.js';
import { retryKind } from '../../../web/kit/multipart.js';
import { MP_CONFIG, countingFile, fakeBackend, fakeIndexedDB, sha } from './fakes.mjs';

const noSleep = async () => {};
const options = (backend, extra = {}) => ({
  token: 'user-jwt',
  config: MP_CONFIG,
  fetch: backend.fetch,
  XMLHttpRequest: backend.XMLHttpRequest,
  store: memoryStore(),
  sleep: noSleep,
  ...extra,
});
const storedObject = (backend, id) => {
  const record = backend.uploads.get(id);
  return Buffer.concat([...record.parts.keys()].sort((a, b) => a - b).map((n) => record.parts.get(n)));
};

describe('multipart: choice and integrity', () => {
  test('above multipart_threshold_bytes: parts with their own SHA-256, complete, the object is the file', async () => {
    const backend = fakeBackend({ partSize: 100 });
    const { file, bytes } = countingFile(1050);
    const handle = startUpload(file, options(backend));
    const result = await handle.promise;
    assert.equal(result.method, 'MULTIPART');
    assert.equal(result.key, `uploads/u/${result.uploadId}.mp4`);
    assert.deepEqual(storedObject(backend, result.uploadId), Buffer.from(bytes));
    assert.equal(backend.log.completes, 1);
    const sent = backend.XMLHttpRequest.instances.map((x) => x.headers['x-amz-checksum-sha256']);
    assert.deepEqual(sent.sort(), Array.from({ length: 11 }, (_, i) => sha(bytes.subarray(i * 100, (i + 1) * 100))).sort());
  });

  test('at the threshold (positive control): one presigned POST carrying the whole file SHA-256', async () => {
    const backend = fakeBackend();
    const calls = [];
    const fetch = async (url, init) => {
      calls.push(JSON.parse(init.body));
      return new Response(JSON.stringify({ key: 'uploads/u/k.mp4', upload_id: 'k', method: 'POST', url: 'https://s3.test/', fields: { key: 'k' } }), { status: 201 });
    };
    class Ok extends backend.XMLHttpRequest {
      send() {
        this.status = 204;
        queueMicrotask(() => this.dispatchEvent(new Event('load')));
      }
    }
    const { file, bytes } = countingFile(200);
    // ready: false, the transfer is the subject here (readiness.test.mjs covers the wait).
    assert.equal(await upload(file, { ...options(backend), fetch, XMLHttpRequest: Ok, ready: false }), 'uploads/u/k.mp4');
    assert.deepEqual(calls, [{ content_type: 'video/mp4', size: 200, method: 'POST', filename: 'movie.mp4', sha256: sha(bytes) }]);
  });

  test('above max_object_bytes: ValidationError before any request', async () => {
    const backend = fakeBackend();
    const { file } = countingFile(1001);
    const config = { ...MP_CONFIG, max_object_bytes: 1000 };
    await assert.rejects(upload(file, options(backend, { config })), (e) => e instanceof ValidationError && e.code === 'too_large');
    assert.deepEqual(backend.log.api, []);
  });
});

describe('multipart: parallelism, batches, memory', () => {
  test('4 parts in flight by default, or as many as asked', async () => {
    for (const [concurrency, expected] of [[undefined, 4], [2, 2]]) {
      const backend = fakeBackend({ partSize: 100 });
      await upload(countingFile(1200).file, options(backend, concurrency ? { concurrency } : {}));
      assert.equal(backend.XMLHttpRequest.maxInFlight, expected);
    }
  });

  test('parts are signed in batches, each part once', async () => {
    const backend = fakeBackend({ partSize: 100 });
    await upload(countingFile(1200).file, options(backend));
    const signed = backend.log.sign.flat().sort((a, b) => a - b);
    assert.deepEqual(signed, Array.from({ length: 12 }, (_, i) => i + 1));
    assert.ok(backend.log.sign.length < 12, `one sign request per part: ${JSON.stringify(backend.log.sign)}`);
    assert.ok(backend.log.sign.some((batch) => batch.length > 1));
  });

  test('memory: parts read ahead of the transfers are bounded by the parts in flight', async () => {
    for (const concurrency of [1, 3]) {
      const backend = fakeBackend({ partSize: 100 });
      const { file } = countingFile(2000);
      let reads = 0;
      const counted = new Proxy(file, {
        get(target, prop) {
          if (prop === 'slice') {
            return (...args) => {
              const blob = target.slice(...args);
              return { arrayBuffer: async () => ((reads += 1), blob.arrayBuffer()) };
            };
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      let held = 0;
      backend.XMLHttpRequest.onSend = () => (held = Math.max(held, reads - backend.XMLHttpRequest.stored));
      await upload(counted, options(backend, { concurrency }));
      // +1: the first part is read once more when the upload is created, to re-identify the file on resume.
      assert.ok(held <= concurrency + 1, `held ${held} parts with ${concurrency} in flight`);
      assert.equal(reads, 20 + 1);
    }
  });
});

describe('multipart: retries', () => {
  test('network errors and 5xx are retried, with growing backoff', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '2:1': 'network', '2:2': 503 } });
    const sleeps = [];
    const { file, bytes } = countingFile(500);
    const result = await startUpload(file, options(backend, { sleep: async (ms) => sleeps.push(ms) })).promise;
    assert.deepEqual(storedObject(backend, result.uploadId), Buffer.from(bytes));
    assert.deepEqual(backend.log.puts.filter((p) => p.part === 2).map((p) => p.attempt), [1, 2, 3]);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[1] >= sleeps[0] && sleeps[0] >= 250, JSON.stringify(sleeps));
  });

  test('retries stop at maxAttempts: the error comes through typed', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '2:1': 'network', '2:2': 503 } });
    await assert.rejects(upload(countingFile(500).file, options(backend, { maxAttempts: 2 })), (e) => e instanceof StorageError && e.status === 503);
    assert.equal(backend.log.completes, 0);
  });

  test('an expired URL is signed again, then sent', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '3:1': 'expired' } });
    await upload(countingFile(500).file, options(backend));
    assert.equal(backend.log.sign.flat().filter((n) => n === 3).length, 2);
    assert.equal(backend.log.sign.flat().filter((n) => n === 2).length, 1); // positive control: no expiry, one signature
  });

  test('a refusal that is not transient (S3 4xx) is not retried', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '2:1': 'fatal' } });
    await assert.rejects(upload(countingFile(500).file, options(backend)), (e) => e instanceof StorageError && e.code === 'InvalidRequest');
    assert.equal(backend.log.puts.filter((p) => p.part === 2).length, 1);
  });

  test('a 5xx of the signing route is retried', async () => {
    const backend = fakeBackend({ partSize: 100, signFailures: [503] });
    await upload(countingFile(300).file, options(backend));
    assert.equal(backend.log.completes, 1);
  });

  test('retryKind', () => {
    assert.equal(retryKind(new NetworkError({ source: 'network', code: 'network_error', message: '' })), 'retry');
    assert.equal(retryKind(new NetworkError({ source: 'network', code: 'aborted', message: '' })), null);
    assert.equal(retryKind(new StorageError({ source: 's3', status: 403, code: 'AccessDenied', message: 'Request has expired' })), 'resign');
    assert.equal(retryKind(new StorageError({ source: 's3', status: 403, code: 'AccessDenied', message: 'denied' })), null);
    assert.equal(retryKind(new ApiError({ source: 'api', status: 429, code: 'rate_limited', message: '' })), 'retry');
    assert.equal(retryKind(new ApiError({ source: 'api', status: 404, code: 'upload_not_found', message: '' })), null);
  });
});

describe('multipart: progress and abort', () => {
  test('aggregate progress only goes up, to exactly 100 %, even when a part restarts', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '1:1': 503, '4:1': 'network' } });
    const seen = [];
    await upload(countingFile(1050).file, options(backend, { onProgress: (p) => seen.push(p.loaded) }));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `progress went from ${seen[i - 1]} to ${seen[i]}`);
    assert.equal(seen.at(-1), 1050);
    assert.ok(seen.length > 11, 'intermediate progress within parts');
  });

  test('abort() settles the promise at once, calls DELETE, forgets the state, sends nothing more', async () => {
    const backend = fakeBackend({ partSize: 100 });
    const store = memoryStore();
    const { file } = countingFile(3000);
    const handle = startUpload(file, options(backend, { store, concurrency: 2 }));
    while (backend.XMLHttpRequest.stored < 2) await new Promise((r) => setTimeout(r, 1));
    const deleted = handle.abort();
    await assert.rejects(handle.promise, (e) => e instanceof NetworkError && e.code === 'aborted');
    await deleted;
    assert.deepEqual(backend.log.deleted, [handle.uploadId]);
    assert.equal(store.map.size, 0);
    const putsAtAbort = backend.XMLHttpRequest.instances.length;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(backend.XMLHttpRequest.instances.length, putsAtAbort);
    assert.equal(backend.log.completes, 0);
  });

  test('an AbortSignal does the same', async () => {
    const backend = fakeBackend({ partSize: 100 });
    const controller = new AbortController();
    const promise = upload(countingFile(3000).file, options(backend, { signal: controller.signal }));
    while (backend.XMLHttpRequest.stored < 1) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    await assert.rejects(promise, (e) => e instanceof NetworkError && e.code === 'aborted');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(backend.log.deleted.length, 1);
  });
});

/** Starts an upload that dies after `sentBefore` parts (a non-retryable failure stands for the crash). */
async function crashedUpload(backend, file, store, partThatFails) {
  backend.log.puts.length = 0;
  await assert.rejects(startUpload(file, options(backend, { store, concurrency: 1 })).promise);
  assert.equal(backend.log.deleted.length, 0);
}

describe('multipart: resume', () => {
  test('resume(file) lists the parts and sends only the missing ones; the object is the file', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '4:1': 'fatal' } });
    const store = memoryStore();
    const { file, bytes } = countingFile(950);
    await crashedUpload(backend, file, store, 4);
    const [uploadId] = backend.uploads.keys();
    assert.deepEqual([...backend.uploads.get(uploadId).parts.keys()], [1, 2, 3]);
    backend.XMLHttpRequest.instances.length = 0;
    const progress = [];
    const key = await resume(file, options(backend, { store, onProgress: (p) => progress.push(p.loaded) }));
    assert.equal(key, `uploads/u/${uploadId}.mp4`);
    const sent = backend.XMLHttpRequest.instances.map((x) => Number(new URL(x.url).searchParams.get('partNumber'))).sort((a, b) => a - b);
    assert.deepEqual(sent, [4, 5, 6, 7, 8, 9, 10]);
    assert.ok(backend.log.api.includes(`GET /uploads/${uploadId}/parts`));
    assert.equal(backend.uploads.size, 1, 'no new upload created');
    assert.deepEqual(storedObject(backend, uploadId), Buffer.from(bytes));
    assert.equal(progress[0], 300, 'progress starts from what S3 has');
    assert.equal(progress.at(-1), 950);
    assert.equal(store.map.size, 0, 'state forgotten once complete');
  });

  test('upload() of the same file after a crash resumes too', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '2:1': 'fatal' } });
    const store = memoryStore();
    const { file } = countingFile(500);
    await crashedUpload(backend, file, store, 2);
    await upload(file, options(backend, { store }));
    assert.equal(backend.uploads.size, 1);
  });

  test('another file with the same name, size and date is refused (file_changed), nothing sent', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '3:1': 'fatal' } });
    const store = memoryStore();
    await crashedUpload(backend, countingFile(500).file, store, 3);
    const impostor = countingFile(500, { seed: 99 }).file;
    assert.equal(fileIdentity(impostor), fileIdentity(countingFile(500).file));
    const before = backend.XMLHttpRequest.instances.length;
    await assert.rejects(resume(impostor, options(backend, { store })), (e) => e instanceof ValidationError && e.code === 'file_changed');
    assert.equal(backend.XMLHttpRequest.instances.length, before);
  });

  test('the stored first-part hash re-identifies the file even when S3 has no part yet', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '1:1': 'fatal' } });
    const store = memoryStore();
    await crashedUpload(backend, countingFile(500).file, store, 1);
    await assert.rejects(resume(countingFile(500, { seed: 99 }).file, options(backend, { store })), (e) => e.code === 'file_changed');
    await resume(countingFile(500).file, options(backend, { store })); // positive control: the same bytes resume
  });

  test('nothing stored: nothing_to_resume', async () => {
    const backend = fakeBackend();
    await assert.rejects(resume(countingFile(500).file, options(backend)), (e) => e instanceof ValidationError && e.code === 'nothing_to_resume');
    assert.deepEqual(backend.log.api, []);
  });

  test('an aborted stored upload is forgotten and upload() starts a new one', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '2:1': 'fatal' } });
    const store = memoryStore();
    const { file } = countingFile(500);
    await crashedUpload(backend, file, store, 2);
    const [first] = backend.uploads.keys();
    backend.uploads.get(first).state = 'aborted';
    await upload(file, options(backend, { store }));
    assert.equal(backend.uploads.size, 2);
  });

  test('the state survives a "reload" in IndexedDB (a new store over the same database)', async () => {
    const indexedDB = fakeIndexedDB();
    const backend = fakeBackend({ partSize: 100, failures: { '3:1': 'fatal' } });
    const { file, bytes } = countingFile(500);
    await crashedUpload(backend, file, indexedDbStore({ indexedDB }), 3);
    const afterReload = indexedDbStore({ indexedDB });
    const state = await afterReload.get(fileIdentity(file));
    assert.deepEqual(Object.keys(state).sort(), ['expires_at', 'first_part_sha256', 'identity', 'key', 'part_count', 'part_size', 'size', 'upload_id']);
    assert.equal(state.first_part_sha256, sha(bytes.subarray(0, 100)));
    const result = await startUpload(file, options(backend, { store: afterReload, resume: 'only' })).promise;
    assert.deepEqual(storedObject(backend, result.uploadId), Buffer.from(bytes));
    assert.equal(await afterReload.get(fileIdentity(file)), undefined);
  });
  // The page went away after the complete reached the API but before the store forgot the upload.
  async function completedButStillStored(backend, file) {
    const store = memoryStore();
    await upload(file, options(backend, { store: { ...store, delete: async () => {} } }));
    assert.equal(store.map.size, 1, 'the reload came before the store forgot the upload');
    backend.log.api.length = 0;
    backend.log.completes = 0;
    backend.XMLHttpRequest.instances.length = 0;
    return store;
  }

  test('a stored upload the API already completed is finished by resume: status uploaded, nothing sent again', async () => {
    const backend = fakeBackend({ partSize: 100 });
    const { file, bytes } = countingFile(500);
    const store = await completedButStillStored(backend, file);
    const [uploadId] = backend.uploads.keys();
    const result = await startUpload(file, options(backend, { store, resume: 'only' })).promise;
    assert.deepEqual(result, { key: `uploads/u/${uploadId}.mp4`, uploadId, method: 'MULTIPART', sha256: null, checksumType: null });
    assert.deepEqual(backend.log.api, [`GET /uploads/${uploadId}/parts`, `GET /uploads/${uploadId}`]);
    assert.equal(backend.XMLHttpRequest.instances.length, 0, 'no part sent again');
    assert.equal(backend.log.completes, 0, 'not completed twice');
    assert.equal(store.map.size, 0, 'state forgotten');
    assert.deepEqual(storedObject(backend, uploadId), Buffer.from(bytes));
    assert.equal(await resume(file, options(backend, { store })).catch((e) => e.code), 'nothing_to_resume');
  });

  test('negative control: upload_state while the status route says the upload is in progress is an error, the state is kept', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '3:1': 'fatal' } });
    const store = memoryStore();
    const { file } = countingFile(500);
    await crashedUpload(backend, file, store, 3);
    const [uploadId] = backend.uploads.keys();
    const realFetch = backend.fetch;
    // S3 no longer holds the multipart upload, yet the record is not complete (API: "S3 no longer holds this upload").
    const fetch = async (url, init = {}) =>
      (init.method || 'GET') === 'GET' && url.endsWith('/parts')
        ? new Response(JSON.stringify({ error: { code: 'upload_state', message: 'gone' } }), { status: 409 })
        : realFetch(url, init);
    await assert.rejects(startUpload(file, options(backend, { store, fetch, resume: 'only' })).promise, (e) => e instanceof ApiError && e.code === 'upload_state');
    assert.equal(backend.uploads.get(uploadId).state, 'uploading');
    assert.equal(store.map.size, 1, 'a failed resume does not forget the upload');
  });

  test('negative control: a stored upload still in progress resumes its parts (status route not asked)', async () => {
    const backend = fakeBackend({ partSize: 100, failures: { '3:1': 'fatal' } });
    const store = memoryStore();
    const { file, bytes } = countingFile(500);
    await crashedUpload(backend, file, store, 3);
    const [uploadId] = backend.uploads.keys();
    backend.log.api.length = 0;
    backend.XMLHttpRequest.instances.length = 0;
    const result = await startUpload(file, options(backend, { store, resume: 'only' })).promise;
    assert.equal(result.uploadId, uploadId);
    const sent = backend.XMLHttpRequest.instances.map((x) => Number(new URL(x.url).searchParams.get('partNumber'))).sort((a, b) => a - b);
    assert.deepEqual(sent, [3, 4, 5]);
    assert.equal(backend.log.completes, 1);
    assert.ok(!backend.log.api.includes(`GET /uploads/${uploadId}`), 'the status route is only asked when the listing says upload_state');
    assert.deepEqual(storedObject(backend, uploadId), Buffer.from(bytes));
    assert.equal(store.map.size, 0);
  });
});
