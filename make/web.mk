# The frontend kit (web/): JS unit tests, the demo server and the real-browser test.
.PHONY: browser-setup web-unit browser web-serve npm-deps uppy-bundle uppy-serve

CHROMIUM ?= /usr/bin/chromium

browser-setup: ## Install Debian's chromium through apt-get when /usr/bin/chromium (or CHROMIUM=path) is missing (never `playwright install`)
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	echo "browser-setup: $(CHROMIUM) is missing; installing Debian's chromium with apt-get"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo "browser-setup: cannot install chromium: not root and no password-less sudo." >&2; \
	     echo "  Run as root: apt-get update && apt-get install -y --no-install-recommends chromium" >&2; \
	     echo "  or point CHROMIUM=/path/to/chromium at an existing Chromium binary." >&2; exit 1; fi; \
	mkdir -p build; if ! { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; } >build/apt-chromium.log 2>&1; then \
	  echo "browser-setup: apt-get could not install chromium (log: build/apt-chromium.log):" >&2; tail -n 15 build/apt-chromium.log >&2; exit 1; fi; \
	[ -x "$(CHROMIUM)" ] || { echo "browser-setup: chromium installed but $(CHROMIUM) is not there" >&2; exit 1; }; \
	echo "browser-setup: $$($(CHROMIUM) --version 2>/dev/null)"

web-unit: ## JS unit tests of the upload client (node --test, no npm packages; Node >= 20.11: fake timers)
	@command -v node >/dev/null || { echo "web-unit: node is missing (Debian: apt-get install nodejs)" >&2; exit 1; }
	node --test tests/browser/js/

# The Uppy example's pinned npm packages (package.json + package-lock.json at the root; node_modules/
# is git-ignored). `npm ci` writes node_modules/.package-lock.json, so it reruns only when the lock changes.
NPM_STAMP := node_modules/.package-lock.json
UPPY_BUNDLE := build/web/uppy-demo.bundle.js

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm-deps: npm is missing (Debian: apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund

npm-deps: $(NPM_STAMP) ## Install the pinned npm dev dependencies (Uppy, esbuild) with npm ci

$(UPPY_BUNDLE): $(NPM_STAMP) web/uppy-demo.js $(wildcard web/kit/*.js)
	@mkdir -p $(dir $@)
	node_modules/.bin/esbuild web/uppy-demo.js --bundle --format=esm --target=es2022 --log-level=warning --outfile=$@

uppy-bundle: $(UPPY_BUNDLE) ## Bundle the Uppy example (web/uppy-demo.js) with esbuild into build/web/

uppy-serve: $(VENV_STAMP) $(UPPY_BUNDLE) ## Serve web/ plus the Uppy bundle on http://127.0.0.1:4583/uppy.html (needs web/config.json)
	rm -rf build/web-site && cp -r web build/web-site && cp build/web/uppy-demo.bundle.* build/web-site/
	$(PY) harness/web_server.py --dir build/web-site

web-serve: $(VENV_STAMP) ## Serve the demo (web/) on http://127.0.0.1:4583 (needs web/config.json from `make up`)
	$(PY) harness/web_server.py

browser: $(VENV_STAMP) lambda-runtime browser-setup $(UPPY_BUNDLE) ## Real-browser tests (tests/browser/, headless Debian chromium via Playwright); screenshots in build/browser/
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/browser

TEST_TARGETS += web-unit browser
