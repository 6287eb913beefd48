// Test doubles for the multipart tests: an upload API + S3 in memory behind `fetch` and
// `XMLHttpRequest`, and a minimal IndexedDB. Each checks what the real one checks (S3 refuses a
// body whose SHA-256 is not the signed one), so a kit that sends wrong bytes fails the tests.
import { createHash } from 'node:crypto';

export const sha = (bytes) => createHash('sha256').update(bytes).digest('base64');

export const MP_CONFIG = {
  api_url: 'https://api.test/v1',
  uploads_url: 'https://api.test/v1/uploads',
  downloads_url: 'https://api.test/v1/downloads',
  cdn_url: 'https://cdn.test',
  max_upload_bytes: 1000,
  multipart_threshold_bytes: 200,
  max_object_bytes: 1_000_000,
  allowed_content_types: ['video/mp4', 'image/png'],
};

/** A file of `size` deterministic bytes; counts the slices read and how many are held at once. */
export function countingFile(size, { name = 'movie.mp4', type = 'video/mp4', lastModified = 1700000000000, seed = 7 } = {}) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  const file = new File([bytes], name, { type, lastModified });
  return { file, bytes };
}

const json = (status, body) => new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const apiError = (status, code) => json(status, { error: { code, message: code } });

/**
 * The upload API and S3 in memory. `partSize` is the server's choice. `failures` maps
 * "partNumber:attempt" to 'network' | 503 | 'expired' for the XHR to storage.
 */
export function fakeBackend({ partSize = 100, failures = {}, signFailures = [], verification = 'ready' } = {}) {
  const uploads = new Map();
  const log = { sign: [], puts: [], api: [], deleted: [], completes: 0 };
  const attempts = new Map();
  let nextId = 1;

  async function fetch(url, init = {}) {
    const method = init.method || 'GET';
    const path = new URL(url).pathname.replace('/v1', '');
    log.api.push(`${method} ${path}`);
    if (init.signal && init.signal.aborted) throw new DOMException('aborted', 'AbortError');
    const body = init.body ? JSON.parse(init.body) : undefined;
    if (method === 'POST' && path === '/uploads') {
      const id = String(nextId++).padStart(32, '0');
      const partCount = Math.ceil(body.size / partSize);
      uploads.set(id, { size: body.size, parts: new Map(), state: 'uploading', partCount });
      return json(201, { upload_id: id, key: `uploads/u/${id}.mp4`, method: 'MULTIPART', part_size: partSize, part_count: partCount, max_size: body.size, expires_at: '2099-01-01T00:00:00Z' });
    }
    const m = /^\/uploads\/(\w+)(\/parts|\/complete)?$/.exec(path);
    const record = m && uploads.get(m[1]);
    if (!record) return apiError(404, 'upload_not_found');
    if (record.state === 'aborted') return apiError(410, 'upload_aborted');
    // As the API's open_multipart: the parts routes of a completed upload answer 409 upload_state.
    if (m[2] === '/parts' && record.state === 'uploaded') return apiError(409, 'upload_state');
    if (method === 'POST' && m[2] === '/parts') {
      if (signFailures.length) return apiError(signFailures.shift(), 'internal_error');
      log.sign.push(body.parts.map((p) => p.part_number));
      return json(200, {
        parts: body.parts.map((p) => {
          const length = p.part_number < record.partCount ? partSize : record.size - partSize * (record.partCount - 1);
          return { part_number: p.part_number, method: 'PUT', url: `https://s3.test/${m[1]}?partNumber=${p.part_number}`, headers: { 'Content-Length': String(length), 'x-amz-checksum-sha256': p.sha256 }, expires_at: '2099-01-01T00:00:00Z' };
        }),
      });
    }
    if (method === 'GET' && m[2] === '/parts') {
      const parts = [...record.parts.entries()].map(([n, p]) => ({ part_number: n, size: p.length, sha256: sha(p) }));
      return json(200, { upload_id: m[1], part_size: partSize, part_count: record.partCount, parts });
    }
    if (method === 'POST' && m[2] === '/complete') {
      log.completes++;
      for (let n = 1; n <= record.partCount; n++) if (!record.parts.has(n)) return apiError(409, 'incomplete_upload');
      record.state = 'uploaded';
      return json(200, { upload_id: m[1], key: `uploads/u/${m[1]}.mp4`, size: record.size, sha256: 'composite-' + record.partCount, checksum_type: 'COMPOSITE', state: 'uploaded' });
    }
    if (method === 'GET' && !m[2]) {
      // The status route: the verifier's verdict once the upload is complete.
      const verdict = record.state === 'uploaded' ? verification : 'pending';
      return json(200, { upload_id: m[1], key: `uploads/u/${m[1]}.mp4`, state: record.state, verification: verdict });
    }
    if (method === 'DELETE' && !m[2]) {
      record.state = 'aborted';
      log.deleted.push(m[1]);
      return json(204, null);
    }
    return apiError(400, 'bad_route');
  }

  class Xhr extends EventTarget {
    constructor() {
      super();
      this.upload = new EventTarget();
      this.headers = {};
      Xhr.instances.push(this);
    }
    open(method, url) {
      Object.assign(this, { method, url });
    }
    setRequestHeader(name, value) {
      if (name.toLowerCase() === 'content-length') throw new Error('browsers refuse to set Content-Length');
      this.headers[name.toLowerCase()] = value;
    }
    getResponseHeader(name) {
      return name.toLowerCase() === 'etag' ? '"etag"' : null;
    }
    abort() {
      if (this.sent && !this.done) {
        this.done = true;
        this.dispatchEvent(new Event('abort'));
      }
    }
    send(body) {
      this.sent = true;
      const url = new URL(this.url);
      const id = url.pathname.slice(1);
      const n = Number(url.searchParams.get('partNumber'));
      const attempt = (attempts.get(n) || 0) + 1;
      attempts.set(n, attempt);
      const failure = failures[`${n}:${attempt}`];
      const bytes = new Uint8Array(body);
      if (Xhr.onSend) Xhr.onSend(n);
      Xhr.inFlight++;
      Xhr.maxInFlight = Math.max(Xhr.maxInFlight, Xhr.inFlight);
      setTimeout(() => {
        if (this.done) return;
        const half = new Event('progress');
        Object.assign(half, { loaded: Math.floor(bytes.length / 2), total: bytes.length, lengthComputable: true });
        this.upload.dispatchEvent(half);
        setTimeout(() => {
          Xhr.inFlight--;
          if (this.done) return;
          this.done = true;
          log.puts.push({ part: n, attempt, failure: failure ?? null });
          if (failure === 'network') return this.dispatchEvent(new Event('error'));
          const finish = (status, text = '') => {
            Object.assign(this, { status, responseText: text });
            this.dispatchEvent(new Event('load'));
          };
          if (failure === 'fatal') return finish(400, '<Error><Code>InvalidRequest</Code><Message>refused</Message></Error>');
          if (failure === 503) return finish(503, '<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>');
          if (failure === 'expired') return finish(403, '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
          if (sha(bytes) !== this.headers['x-amz-checksum-sha256']) return finish(400, '<Error><Code>BadDigest</Code><Message>digest</Message></Error>');
          uploads.get(id).parts.set(n, bytes);
          Xhr.stored++;
          finish(200);
        }, 2);
      }, 2);
    }
  }
  Xhr.instances = [];
  Xhr.inFlight = 0;
  Xhr.maxInFlight = 0;
  Xhr.stored = 0;
  Xhr.onSend = null;
  return { fetch, XMLHttpRequest: Xhr, uploads, log };
}

/** Just enough IndexedDB for resume-store.js: open/upgrade, one object store, get/put/delete, async events. */
export function fakeIndexedDB() {
  const databases = new Map();
  const request = (fn) => {
    const req = {};
    setTimeout(() => {
      try {
        req.result = fn();
        req.onsuccess && req.onsuccess();
      } catch (error) {
        req.error = error;
        req.onerror && req.onerror();
      }
    }, 0);
    return req;
  };
  return {
    databases,
    open(name) {
      const req = {};
      setTimeout(() => {
        let stores = databases.get(name);
        const db = {
          createObjectStore: (store) => stores.set(store, new Map()),
          transaction: (store) => ({
            objectStore: () => {
              const map = stores.get(store);
              if (!map) throw new Error(`no object store ${store}`);
              return {
                get: (key) => request(() => (map.has(key) ? structuredClone(map.get(key)) : undefined)),
                put: (value, key) => request(() => void map.set(key, structuredClone(value))),
                delete: (key) => request(() => void map.delete(key)),
              };
            },
          }),
        };
        req.result = db;
        if (!stores) {
          stores = new Map();
          databases.set(name, stores);
          req.onupgradeneeded && req.onupgradeneeded();
        }
        req.onsuccess && req.onsuccess();
      }, 0);
      return req;
    },
  };
}
