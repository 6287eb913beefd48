// When the kit renews a CDN token (web/kit/cdn-tokens.js renewalDelay): ahead of expiry by a fifth
// of the remaining life, between one second and one minute ahead, never sooner than the minimum.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MIN_RENEWAL_INTERVAL_MS, renewalDelay } from '../../../web/kit/cdn-tokens.js';

const NOW = 1_800_000_000_000;

test('a 15-minute token is renewed a minute before it expires', () => {
  assert.equal(renewalDelay(NOW + 900_000, NOW), 840_000);
});

test('a 5-minute token is renewed a fifth of its life ahead', () => {
  assert.equal(renewalDelay(NOW + 300_000, NOW), 240_000);
});

test('a short token is renewed one second ahead', () => {
  assert.equal(renewalDelay(NOW + 3_000, NOW), 2_000);
});

test('a token about to expire, or expired, is never renewed sooner than the minimum interval', () => {
  for (const left of [1_500, 1_000, 10, 0, -60_000]) {
    assert.equal(renewalDelay(NOW + left, NOW), MIN_RENEWAL_INTERVAL_MS, `left ${left} ms`);
  }
});
