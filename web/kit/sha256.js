// SHA-256 with WebCrypto, base64 encoded as S3's x-amz-checksum-sha256 wants it.
// Dependency-free ES module; `crypto.subtle` exists in browsers on secure origins (https, localhost)
// and in Node >= 20.

/** Base64 of bytes (no padding removed), as S3 and the upload API expect checksums. */
export function toBase64(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * SHA-256 of bytes already in memory (ArrayBuffer or a typed array), base64.
 * @param {ArrayBuffer|ArrayBufferView} bytes
 * @param {{subtle?: SubtleCrypto}} [crypto]
 */
export async function sha256Base64(bytes, { subtle = globalThis.crypto && globalThis.crypto.subtle } = {}) {
  if (!subtle) throw new TypeError('WebCrypto (crypto.subtle) is missing: serve the page over https or localhost');
  return toBase64(await subtle.digest('SHA-256', bytes));
}

/** Reads a Blob (or a slice of one) and hashes it; resolves `{bytes, sha256}` so the caller sends what it hashed. */
export async function readAndHash(blob, options) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return { bytes, sha256: await sha256Base64(bytes, options) };
}
