// The demo page: sign in, upload with progress, show the uploads through the CDN.
import { registerCdnTokenWorker } from './kit/cdn-tokens.js';
import { UploadKitError, downloadUrl, hasStoredUpload, loadConfig, upload } from './kit/upload-client.js';

const $ = (id) => document.getElementById(id);
const GALLERY_KEY = 'upload-demo:gallery'; // object keys and CDN paths only, never tokens

// Where the user token comes from. A real app sets `window.uploadDemoTokenProvider` to an async
// function of its identity provider's SDK (called before every API call, so refreshes just work);
// locally, the development token field fills it. The token stays in this module's memory.
let tokenProvider = typeof window.uploadDemoTokenProvider === 'function' ? window.uploadDemoTokenProvider : null;

function showStatus(text, { error = false } = {}) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function describe(error) {
  if (error instanceof UploadKitError) return `${error.source} refused (${error.code}): ${error.message}`;
  return String(error && error.message ? error.message : error);
}

function showProgress(fraction) {
  const percent = Math.round(fraction * 100);
  $('progress').value = percent;
  $('percent').textContent = `${percent} %`;
}

function savedGallery() {
  try {
    return JSON.parse(sessionStorage.getItem(GALLERY_KEY)) || [];
  } catch {
    return [];
  }
}

function addToGallery(config, { key, path }, { save = true } = {}) {
  if (save) sessionStorage.setItem(GALLERY_KEY, JSON.stringify([...savedGallery(), { key, path }]));
  const item = document.createElement('li');
  item.dataset.key = key;
  item.dataset.state = 'loading';
  const img = document.createElement('img');
  img.alt = key;
  img.dataset.path = path;
  img.addEventListener('load', () => (item.dataset.state = 'loaded'));
  img.addEventListener('error', () => (item.dataset.state = 'failed'));
  img.src = config.cdn_url + path; // no token here: the service worker adds it
  const caption = document.createElement('span');
  caption.textContent = key;
  item.append(img, caption);
  $('gallery').prepend(item);
}

// Renews the CDN token of an image before it expires (and once if the CDN refused it expired),
// then reloads the image. The page asks the API with the user's token; the worker never does.
function keepImageFresh(config, cdnTokens, { key, path }, expiresAt = null) {
  let reloads = 0;
  cdnTokens.keepFresh(
    path,
    async () => {
      if (!tokenProvider) throw new Error('sign in to renew the images\' CDN tokens');
      return downloadUrl(key, { token: await tokenProvider(), config });
    },
    {
      expiresAt,
      onRenewed: (_, reason) => {
        if (reason !== 'refused') return; // a token renewed ahead of time changes nothing on screen
        for (const img of document.querySelectorAll('#gallery img')) {
          if (img.dataset.path === path) img.src = `${config.cdn_url}${path}?r=${++reloads}`; // a new request, not the cached failure
        }
      },
      onError: (error) => showStatus(`Could not renew ${key}: ${describe(error)}`, { error: true }),
    },
  );
}

async function handleFiles(config, cdnTokens, files) {
  for (const file of files) {
    showProgress(0);
    try {
      // A multipart upload interrupted by a reload or a crash is resumed when the same file is chosen again.
      const resuming = await hasStoredUpload(file).catch(() => false);
      showStatus(`${resuming ? 'Resuming' : 'Uploading'} ${file.name}...`);
      const token = await tokenProvider();
      // The provider itself as `token`: a long multipart upload asks it before every API call.
      const key = await upload(file, { token: tokenProvider, config, onProgress: ({ fraction }) => showProgress(fraction) });
      const grant = await downloadUrl(key, { token, config });
      await cdnTokens.setToken(grant.token, { path: grant.path, expiresAt: grant.expiresAt });
      addToGallery(config, { key, path: grant.path });
      keepImageFresh(config, cdnTokens, { key, path: grant.path }, grant.expiresAt);
      showStatus(`Uploaded ${file.name} as ${key}`);
    } catch (error) {
      showStatus(describe(error), { error: true });
    }
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
  const input = $('file');
  input.accept = config.allowed_content_types.join(',');
  const most = config.max_object_bytes ?? config.max_upload_bytes;
  const parts = config.multipart_threshold_bytes != null ? ` (in parts above ${config.multipart_threshold_bytes})` : '';
  $('limits').textContent = `Allowed: ${config.allowed_content_types.join(', ')}; at most ${most} bytes${parts}.`;

  const cdnTokens = await registerCdnTokenWorker(config);
  for (const entry of savedGallery()) {
    addToGallery(config, entry, { save: false });
    keepImageFresh(config, cdnTokens, entry); // renewed when the worker reports its token expired
  }

  const signedIn = (label) => {
    $('who').textContent = label;
    input.disabled = false;
  };
  if (tokenProvider) {
    $('dev-sign-in').hidden = true;
    signedIn('Signed in through the identity provider.');
  }
  $('dev-sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    $('token').value = ''; // keep it out of the DOM once used
    tokenProvider = async () => token;
    signedIn('Signed in with a development token.');
  });
  input.addEventListener('change', async () => {
    await handleFiles(config, cdnTokens, [...input.files]);
    input.value = '';
  });
  $('forget').addEventListener('click', async () => {
    await cdnTokens.clear();
    showStatus('CDN tokens forgotten; reload to see the images refused.');
  });
  document.body.dataset.ready = 'true';
}

main().catch((error) => showStatus(describe(error), { error: true }));
