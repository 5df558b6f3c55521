// What several browser tests do in a page: call the API as the page's user, type chips, read the
// merge preview.
import assert from 'node:assert/strict';

/**
 * A call as the page's user (its session cookie, if any), marked as the UI marks its changes: every
 * change carries the CSRF header (the service refuses it otherwise).
 */
export async function api(page, method, path, body, headers = {}) {
  return page.evaluate(
    async ({ method, path, body, headers }) => {
      const res = await fetch(path, {
        method,
        headers: {
          ...headers,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          ...(method !== 'GET' ? { 'X-Autotuner-CSRF': '1' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body, headers },
  );
}

/** A Presets page row by the preset's name. */
export const presetRow = (page, name) => page.locator(`[data-testid="preset-row"][data-preset-name="${name}"]`);

/** Adds values to a parameter row as chips, typed one by one. */
export async function typeValues(input, values) {
  for (const value of values) {
    await input.fill(String(value));
    await input.press('Enter');
  }
}

/** Waits until the merge preview is idle and shows `expected` (fails with the last one shown). */
export async function expectPreview(page, expected) {
  let last = '';
  for (let i = 0; i < 100; i += 1) {
    last = (await page.getByTestId('merged-json').textContent().catch(() => '')) || '';
    const busy = await page.getByTestId('merge-preview').getAttribute('aria-busy').catch(() => 'true');
    try {
      if (busy !== 'true') {
        assert.deepEqual(JSON.parse(last), expected);
        return;
      }
    } catch {
      /* not yet */
    }
    await page.waitForTimeout(100);
  }
  assert.deepEqual(JSON.parse(last), expected, 'merged preview');
}
