// The Uppy example: @uppy/core + @uppy/dashboard + @uppy/aws-s3 signing through the upload API.
// Bare imports: bundle it (`make uppy-bundle`, esbuild) into uppy-demo.bundle.js next to uppy.html.
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

import { registerCdnTokenWorker } from './kit/cdn-tokens.js';
import { UploadKitError, downloadUrl, loadConfig, waitUntilReady } from './kit/upload-client.js';
import { uploadIdOfKey, uppySigner } from './kit/uppy-signer.js';

const $ = (id) => document.getElementById(id);

// As in demo.js: a real app sets `window.uploadDemoTokenProvider` (its identity provider's SDK);
// locally the development token form fills it. The JWT is the only secret this page holds.
let tokenProvider = typeof window.uploadDemoTokenProvider === 'function' ? window.uploadDemoTokenProvider : null;
const getToken = () => (tokenProvider ? tokenProvider() : Promise.resolve(''));

function showStatus(text, { error = false } = {}) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function describe(error) {
  if (error instanceof UploadKitError) return `${error.source} refused (${error.code}): ${error.message}`;
  return String(error && error.message ? error.message : error);
}

function resultItem(file) {
  const item = document.createElement('li');
  item.dataset.file = file.name;
  item.dataset.state = 'verifying';
  const caption = document.createElement('span');
  caption.textContent = `${file.name}: verifying...`;
  item.append(caption);
  $('results').prepend(item);
  return { item, caption };
}

// Uppy reports the bytes stored under the quarantine key; the object is downloadable only once the
// verifier has published it, so the page waits for GET /uploads/{id} to say ready.
async function publish(config, cdnTokens, file, storedKey) {
  const { item, caption } = resultItem(file);
  try {
    const status = await waitUntilReady(uploadIdOfKey(storedKey), { token: getToken, config });
    const grant = await downloadUrl(status.key, { token: await getToken(), config });
    await cdnTokens.setToken(grant.token, { path: grant.path, expiresAt: grant.expiresAt });
    const img = document.createElement('img');
    img.alt = file.name;
    img.addEventListener('load', () => (item.dataset.state = 'loaded'));
    img.addEventListener('error', () => (item.dataset.state = 'failed'));
    img.src = config.cdn_url + grant.path; // no token in the markup: the service worker adds it
    item.dataset.key = status.key;
    item.dataset.state = 'ready';
    caption.textContent = `${file.name}: ${status.key}`;
    item.prepend(img);
  } catch (error) {
    item.dataset.state = 'rejected';
    item.dataset.reason = error instanceof UploadKitError ? error.code : 'error';
    caption.textContent = `${file.name}: ${describe(error)}`;
  }
}

async function main() {
  let config;
  try {
    config = await loadConfig('config.json');
  } catch (error) {
    showStatus(`${describe(error)}. Run \`make up\`, which writes web/config.json.`, { error: true });
    return;
  }
  const cdnTokens = await registerCdnTokenWorker(config);
  const threshold = config.multipart_threshold_bytes ?? config.max_upload_bytes;
  const uppy = new Uppy({
    autoProceed: true,
    // The same limits the API enforces (and the verifier checks again): early feedback only.
    restrictions: {
      allowedFileTypes: config.allowed_content_types,
      maxFileSize: config.max_object_bytes ?? config.max_upload_bytes,
    },
  })
    .use(Dashboard, { target: '#uppy', inline: true, height: 320, proudlyDisplayPoweredByUppy: false })
    .use(AwsS3, {
      // Single POST-policy upload up to the threshold (capped at max_upload_bytes), multipart above.
      shouldUseMultipart: (file) => file.size > threshold,
      signRequest: uppySigner({ apiUrl: config.api_url, getToken }),
    });
  uppy.on('upload-success', (file, response) => publish(config, cdnTokens, file, response.body.key));
  uppy.on('upload-error', (file, error) => showStatus(`${file.name}: ${describe(error.cause ?? error)}`, { error: true }));

  if (tokenProvider) $('dev-sign-in').hidden = true;
  $('dev-sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    $('token').value = ''; // keep it out of the DOM once used
    tokenProvider = async () => token;
    $('who').textContent = 'Signed in with a development token.';
  });
  document.body.dataset.ready = 'true';
}

main().catch((error) => showStatus(describe(error), { error: true }));
