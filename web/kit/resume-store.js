// Where a multipart upload's state survives a page reload or a crash: IndexedDB (or memory).
// Dependency-free ES module. A record holds no secret: the upload id, the key, the part layout and
// the SHA-256 of the first part (to re-identify the file); never a token or a presigned URL.

const DB_NAME = 'upload-kit';
const STORE = 'multipart-uploads';

/** The identity of a file across reloads: what the browser tells about it without reading it. */
export function fileIdentity(file) {
  return JSON.stringify([file.name ?? '', file.size, file.lastModified ?? 0, file.type ?? '']);
}

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * A store in IndexedDB. `indexedDB` is injectable for tests; the database opens lazily, once.
 * @returns {{get(id: string): Promise<object|undefined>, put(id: string, state: object): Promise<void>, delete(id: string): Promise<void>}}
 */
export function indexedDbStore({ indexedDB = globalThis.indexedDB, name = DB_NAME } = {}) {
  if (!indexedDB) throw new TypeError('IndexedDB is not available; pass store: memoryStore() to upload without resume');
  let opened = null;
  const db = () => {
    if (!opened) {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      opened = promised(request);
    }
    return opened;
  };
  const run = async (mode, action) => {
    const tx = (await db()).transaction(STORE, mode);
    const result = await promised(action(tx.objectStore(STORE)));
    return result;
  };
  return {
    get: (id) => run('readonly', (store) => store.get(id)),
    put: async (id, state) => void (await run('readwrite', (store) => store.put(state, id))),
    delete: async (id) => void (await run('readwrite', (store) => store.delete(id))),
  };
}

/** A store in memory (no resume across reloads); values are copied as IndexedDB's structured clone would. */
export function memoryStore() {
  const map = new Map();
  return {
    map,
    get: async (id) => (map.has(id) ? structuredClone(map.get(id)) : undefined),
    put: async (id, state) => void map.set(id, structuredClone(state)),
    delete: async (id) => void map.delete(id),
  };
}

/** IndexedDB when the environment has it, else memory. */
export function defaultStore() {
  return globalThis.indexedDB ? indexedDbStore() : memoryStore();
}
