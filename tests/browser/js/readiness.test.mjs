// Unit tests of the kit's wait for the verifier (web/kit/readiness.js) and of upload() resolving
// only once the object is ready, with a fake fetch. Run: node --test tests/browser/js/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError, NetworkError, VerificationError, upload, waitUntilReady } from '../../../web/kit/upload-client.js';
import { MP_CONFIG, countingFile, fakeBackend } from './fakes.mjs';

const ID = 'a'.repeat(32);
const FAST = { pollMs: 1, maxPollMs: 4 };
// A wait that never settles must fail its test, not hang the run: those tests have a timeout.
const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A status route answering from a list (the last answer repeats), recording each poll. */
function statusRoute(...answers) {
  const polls = [];
  const fetch = async (url, init) => {
    polls.push({ url, method: init.method, at: Date.now() });
    if (init.signal && init.signal.aborted) throw new DOMException('aborted', 'AbortError');
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next() : next.clone();
  };
  fetch.polls = polls;
  return fetch;
}

const pending = json(200, { upload_id: ID, key: `uploads/u/${ID}.png`, verification: 'pending' });
const ready = json(200, { upload_id: ID, key: `uploads/u/${ID}.png`, verification: 'ready', content_type: 'image/png' });
const options = (fetch, extra = {}) => ({ token: 't', config: MP_CONFIG, fetch, ...FAST, ...extra });

describe('waitUntilReady', () => {
  test('polls the status route until ready, and resolves the status', async () => {
    const fetch = statusRoute(pending, pending, ready);
    const status = await waitUntilReady(ID, options(fetch));
    assert.equal(status.verification, 'ready');
    assert.equal(fetch.polls.length, 3);
    assert.deepEqual(new Set(fetch.polls.map((p) => `${p.method} ${p.url}`)), new Set([`GET ${MP_CONFIG.uploads_url}/${ID}`]));
  });

  test('a rejected upload rejects VerificationError carrying the reason', async () => {
    const rejected = json(200, { upload_id: ID, verification: 'rejected', rejection_reason: 'type_mismatch' });
    await assert.rejects(waitUntilReady(ID, options(statusRoute(pending, rejected))), (error) => {
      assert.ok(error instanceof VerificationError);
      assert.equal(error.source, 'verifier');
      assert.equal(error.code, 'type_mismatch');
      assert.match(error.message, /type_mismatch/);
      return true;
    });
  });

  test('still pending at the timeout: VerificationError verification_timeout', { timeout: 5_000 }, async (t) => {
    const fetch = statusRoute(pending);
    const stop = new AbortController(); // ends the polling if the timeout ever fails to
    t.after(() => stop.abort());
    const started = Date.now();
    await assert.rejects(waitUntilReady(ID, options(fetch, { timeoutMs: 60, signal: stop.signal })), { name: 'VerificationError', code: 'verification_timeout' });
    assert.ok(Date.now() - started >= 55 && Date.now() - started < 1000);
    assert.ok(fetch.polls.length >= 3, 'it kept polling until the timeout');
  });

  test('polls back off x1.5 per poll, up to maxPollMs (fake timers: exact gaps whatever the load)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const fetch = statusRoute(...Array(6).fill(pending), ready);
    const waiting = waitUntilReady(ID, options(fetch, { pollMs: 40, maxPollMs: 100 }));
    // The fake clock moves 1 ms at a time, the kit reacting after each step, until the next poll:
    // a gap is the delay the kit slept, not a guess at it.
    const reacted = async () => {
      for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
    };
    for (let polls = 1; polls <= 7; polls++) {
      for (let ms = 0; fetch.polls.length < polls; ms++) {
        assert.ok(ms < 1_000, `poll ${polls} did not come within 1 s of fake time`);
        await reacted();
        if (fetch.polls.length < polls) t.mock.timers.tick(1);
      }
    }
    assert.equal((await waiting).verification, 'ready');
    const gaps = fetch.polls.slice(1).map((p, i) => p.at - fetch.polls[i].at);
    // Without back-off every gap would be 40 ms; uncapped the last ones would be 135 and 202.5 ms.
    assert.deepEqual(gaps, [40, 60, 90, 100, 100, 100]);
  });

  test('transient failures (network, 503, 429 with Retry-After) are retried; the next answer counts', async () => {
    const fetch = statusRoute(
      new TypeError('offline'),
      json(503, { error: { code: 'service_unavailable', message: 'x' } }),
      json(429, { error: { code: 'rate_limited', message: 'x' } }, { 'retry-after': '0' }),
      ready,
    );
    assert.equal((await waitUntilReady(ID, options(fetch))).verification, 'ready');
    assert.equal(fetch.polls.length, 4);
  });

  test('another refusal (404 of someone else\'s upload) is not retried', async () => {
    const fetch = statusRoute(json(404, { error: { code: 'upload_not_found', message: 'No such upload.' } }), ready);
    await assert.rejects(waitUntilReady(ID, options(fetch)), (error) => error instanceof ApiError && error.code === 'upload_not_found');
    assert.equal(fetch.polls.length, 1);
  });

  test('an abort while waiting between polls settles at once with NetworkError aborted', { timeout: 5_000 }, async () => {
    const controller = new AbortController();
    const fetch = statusRoute(pending);
    const waiting = waitUntilReady(ID, options(fetch, { pollMs: 10_000, maxPollMs: 10_000, signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    controller.abort();
    await assert.rejects(waiting, (error) => error instanceof NetworkError && error.code === 'aborted');
    assert.ok(Date.now() - started < 100, 'settled without waiting for the next poll');
    assert.equal(fetch.polls.length, 1);
  });

  test('an abort during a poll in flight settles it too', { timeout: 5_000 }, async () => {
    const controller = new AbortController();
    const fetch = (url, init) =>
      new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const waiting = waitUntilReady(ID, options(fetch, { signal: controller.signal }));
    controller.abort();
    await assert.rejects(waiting, { name: 'NetworkError', code: 'aborted' });
  });

  test('a status without a verification field (no verifier deployed) is final', async () => {
    const fetch = statusRoute(json(200, { upload_id: ID, key: 'uploads/u/x.png', state: 'uploaded' }));
    assert.equal((await waitUntilReady(ID, options(fetch))).key, 'uploads/u/x.png');
  });
});

describe('upload() resolves when the object is ready', () => {
  const file = () => countingFile(300).file; // multipart above the fake's threshold (200)

  test('not before the verifier says ready; progress still reaches 100 %', async () => {
    const backend = fakeBackend();
    let verdicts = 0;
    const fetch = async (url, init) => {
      if ((init.method || 'GET') === 'GET' && /\/uploads\/\w+$/.test(new URL(url).pathname)) {
        verdicts++;
        if (verdicts < 3) return json(200, { upload_id: ID, verification: 'pending' });
      }
      return backend.fetch(url, init);
    };
    const progress = [];
    const key = await upload(file(), {
      token: 't', config: MP_CONFIG, fetch, XMLHttpRequest: backend.XMLHttpRequest, resume: false,
      onProgress: (p) => progress.push(p.fraction), ready: FAST,
    });
    assert.match(key, /^uploads\/u\/\d{32}\.mp4$/);
    assert.equal(verdicts, 3);
    assert.equal(progress.at(-1), 1);
  });

  test('a rejection reaches the caller as VerificationError with the reason', async () => {
    const backend = fakeBackend({ verification: 'rejected' });
    await assert.rejects(
      upload(file(), { token: 't', config: MP_CONFIG, fetch: backend.fetch, XMLHttpRequest: backend.XMLHttpRequest, resume: false, ready: FAST }),
      (error) => error instanceof VerificationError && error.code === 'rejected',
    );
  });

  test('ready: false resolves once stored, without a status poll', async () => {
    const backend = fakeBackend({ verification: 'pending' });
    await upload(file(), { token: 't', config: MP_CONFIG, fetch: backend.fetch, XMLHttpRequest: backend.XMLHttpRequest, resume: false, ready: false });
    assert.ok(!backend.log.api.some((line) => /^GET \/uploads\/\w+$/.test(line)), backend.log.api.join(', '));
  });

  test('an abort during the wait settles upload() with NetworkError aborted', { timeout: 5_000 }, async () => {
    const backend = fakeBackend({ verification: 'pending' });
    const controller = new AbortController();
    const started = upload(file(), {
      token: 't', config: MP_CONFIG, fetch: backend.fetch, XMLHttpRequest: backend.XMLHttpRequest, resume: false,
      signal: controller.signal, ready: { pollMs: 5, maxPollMs: 5, timeoutMs: 60_000 },
    });
    const polled = () => backend.log.api.some((line) => /^GET \/uploads\/\w+$/.test(line));
    for (let waited = 0; !polled() && waited < 2_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    assert.ok(polled(), 'upload() polls the status route once stored');
    controller.abort();
    await assert.rejects(started, { name: 'NetworkError', code: 'aborted' });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(backend.log.deleted, [], 'the stored upload is not deleted by an abort of the wait');
  });
});
