// End-to-end browser tests with user accounts: sign in, share a preset with a team, and a second
// user who sees it but may not change it. Started by scripts/e2e.sh after the single-user tests,
// once it has created the first admin with the CLI (which switches sign-in on):
//   E2E_BASE_URL=... E2E_ADMIN_PASSWORD=... SCREENSHOT_DIR=... node e2e/sharing.mjs
// The steps build on each other (the users, the team, the shared preset), so they run in order
// and stop at the first failure.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser } from './browser.mjs';
import { api, presetRow as row } from './pageApi.mjs';
import { shotInto } from './shots.mjs';

const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || '../test-artifacts/screenshots');
const ADMIN = { username: 'admin', password: process.env.E2E_ADMIN_PASSWORD || '' };
const BOB = { username: 'bob', password: 'bob-e2e-password-1' };
const TEAM = 'ml';
const PRESET = 'Team Sweep';
mkdirSync(SHOTS, { recursive: true });
assert.ok(ADMIN.password, 'E2E_ADMIN_PASSWORD names the password of the admin scripts/e2e.sh created');

const shot = (page, name) => shotInto(SHOTS, page, `auth-${name}`);
async function signIn(page, user) {
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.waitFor();
  await form.getByRole('textbox', { name: 'User name' }).fill(user.username);
  await form.getByRole('textbox', { name: 'Password' }).fill(user.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('account-user').filter({ hasText: user.username }).waitFor();
}

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

let admin; // the admin's page (its own browser context: its own cookie)
let bob; // the second user's page
let presetId;

step('the sign-in page refuses a wrong password with the server sentence, then signs in where the user was', async ({ browser }) => {
  admin = await newPage(browser);
  await admin.goto(`${BASE}/tasks`);
  const form = admin.getByRole('form', { name: 'Sign in' });
  await form.waitFor();
  assert.equal(await admin.getByTestId('single-user-note').count(), 0, 'no single-user note once a user exists');
  await form.getByRole('textbox', { name: 'User name' }).fill(ADMIN.username);
  await form.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  const alert = admin.getByRole('alert');
  await alert.waitFor();
  const sentence = (await alert.textContent()) || '';
  assert.match(sentence, /password/i, `the server's sentence: ${sentence}`);
  await shot(admin, 'sign-in-refused');
  await signIn(admin, ADMIN);
  // Back where the user was going: the Tasks page, with the user and Sign out in the header.
  await admin.getByRole('heading', { name: 'Tuning tasks' }).waitFor();
  assert.equal(new URL(admin.url()).pathname, '/tasks');
  await admin.getByRole('button', { name: 'Sign out' }).waitFor();
});

step('the admin creates a second user and a team, with that user as a member', async () => {
  await admin.getByRole('link', { name: 'Users & teams' }).click();
  await admin.getByRole('heading', { name: 'Users & teams' }).waitFor();
  await admin.getByRole('textbox', { name: 'User name' }).fill(BOB.username);
  await admin.getByRole('textbox', { name: 'Password' }).fill(BOB.password);
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.locator('[data-testid="user-row"]', { hasText: BOB.username }).waitFor();
  await admin.getByRole('textbox', { name: 'New team' }).fill(TEAM);
  await admin.getByRole('button', { name: 'Create', exact: true }).click();
  await admin.getByRole('heading', { name: TEAM }).waitFor();
  await admin.getByRole('textbox', { name: 'Add a user' }).fill(BOB.username);
  await admin.getByRole('button', { name: 'Add member' }).click();
  await admin.locator(`[data-testid="member-row"][data-member="${BOB.username}"]`).waitFor();
  await shot(admin, 'users-teams');
});

step('the admin creates a preset (private, theirs) and shares it with the team through the Share dialog', async () => {
  const created = await api(admin, 'POST', '/api/presets/', {
    name: PRESET,
    description: 'Shared with the ml team by the browser test',
    category: 'experiments',
    parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.8, 0.9] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  presetId = created.body.id;
  await admin.getByRole('link', { name: 'Presets' }).click();
  const mine = row(admin, PRESET);
  await mine.waitFor();
  assert.equal((await mine.getByTestId('owner').textContent()).trim(), 'yours');
  assert.equal((await mine.getByTestId('visibility').textContent()).trim(), 'Private');
  await mine.getByRole('button', { name: `Share ${PRESET}` }).click();
  const dialog = admin.getByRole('dialog');
  await dialog.getByRole('radio', { name: 'Teams' }).check();
  await dialog.getByPlaceholder('Pick teams').click();
  await admin.getByRole('option', { name: TEAM }).click();
  await admin.keyboard.press('Escape').catch(() => {});
  await shot(admin, 'share-dialog');
  await dialog.getByRole('button', { name: 'Save sharing' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await mine.getByTestId('visibility').filter({ hasText: `Teams: ${TEAM}` }).waitFor();
  const { body } = await api(admin, 'GET', `/api/presets/${presetId}`);
  assert.equal(body.visibility, 'teams');
  assert.equal(body.team_ids.length, 1);
  await shot(admin, 'presets-admin');
});

step('the member sees the shared preset with its owner and may edit it; a role taken away meanwhile is refused with the 403 sentence', async ({ browser }) => {
  bob = await newPage(browser);
  await bob.goto(`${BASE}/presets`);
  await signIn(bob, BOB);
  const shared = row(bob, PRESET);
  await shared.waitFor();
  assert.equal((await shared.getByTestId('owner').textContent()).trim(), 'by admin');
  assert.equal((await shared.getByTestId('visibility').textContent()).trim(), `Teams: ${TEAM}`);
  // A member edits what is shared with the team, but neither shares nor deletes it.
  await shared.getByRole('button', { name: `Edit ${PRESET}` }).waitFor();
  assert.equal(await shared.getByRole('button', { name: `Delete ${PRESET}` }).count(), 0);
  assert.equal(await shared.getByRole('button', { name: `Share ${PRESET}` }).count(), 0);
  await shared.getByRole('button', { name: `Edit ${PRESET}` }).click();
  const dialog = bob.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Description' }).fill('Changed by bob');
  // Meanwhile the admin makes bob a viewer: the server's 403 is the truth.
  const demoted = await api(admin, 'PUT', `/api/teams/${TEAM}/members/${BOB.username}`, { role: 'viewer' });
  assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
  await dialog.getByRole('button', { name: /Save/ }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor();
  const sentence = (await alert.textContent()) || '';
  assert.match(sentence, /\S+ \S+ \S+/, 'a sentence, not a code');
  assert.doesNotMatch(sentence, /^Error$|undefined/);
  await shot(bob, 'edit-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

step('the viewer sees no Edit, Share or Delete; a direct PUT is refused with a sentence; Duplicate makes their own copy', async () => {
  await bob.reload();
  const shared = row(bob, PRESET);
  await shared.waitFor();
  await shared.getByRole('button', { name: `Duplicate ${PRESET}` }).waitFor();
  for (const action of ['Edit', 'Delete', 'Share']) {
    assert.equal(await shared.getByRole('button', { name: `${action} ${PRESET}` }).count(), 0, `${action} is absent for a viewer`);
  }
  const put = await api(bob, 'PUT', `/api/presets/${presetId}`, { description: 'Changed by bob' });
  assert.equal(put.status, 403, JSON.stringify(put.body));
  assert.match(put.body.detail, /\S+ \S+ \S+/, 'the 403 says why in a sentence');
  const { body } = await api(admin, 'GET', `/api/presets/${presetId}`);
  assert.equal(body.description, 'Shared with the ml team by the browser test', 'the preset is unchanged');
  await shot(bob, 'presets-viewer');

  await shared.getByRole('button', { name: `Duplicate ${PRESET}` }).click();
  await bob.getByText('Preset copied').first().waitFor();
  const copy = row(bob, `${PRESET} (copy)`);
  await copy.waitFor();
  assert.equal((await copy.getByTestId('owner').textContent()).trim(), 'yours');
  assert.equal((await copy.getByTestId('visibility').textContent()).trim(), 'Private');
  await copy.getByRole('button', { name: `Edit ${PRESET} (copy)` }).waitFor();
  await copy.getByRole('button', { name: `Delete ${PRESET} (copy)` }).waitFor();
  // The owner filter: "Mine" lists the copy and not the admin's preset.
  await bob.getByRole('combobox', { name: 'Filter by owner' }).click();
  await bob.getByRole('option', { name: 'Mine' }).click();
  await row(bob, PRESET).waitFor({ state: 'detached' });
  await copy.waitFor();
});

step('a token is shown once with a copy button, listed with its last use, and revoked', async () => {
  await bob.getByRole('link', { name: 'API tokens' }).click();
  await bob.getByRole('textbox', { name: 'Name' }).fill('e2e laptop');
  await bob.getByRole('button', { name: 'Create token' }).click();
  const dialog = bob.getByRole('dialog');
  const secret = ((await dialog.getByTestId('token-secret').textContent()) || '').trim();
  assert.ok(secret.length >= 20, 'the secret is shown');
  await dialog.getByRole('button', { name: 'Copy token' }).waitFor();
  await shot(bob, 'token-created');
  await dialog.getByRole('button', { name: 'Done' }).click();
  const tokenRow = bob.getByTestId('token-row').filter({ hasText: 'e2e laptop' });
  await tokenRow.getByText('never', { exact: true }).waitFor();
  assert.doesNotMatch(await bob.locator('body').textContent(), new RegExp(secret), 'the secret is not shown again');
  await shot(bob, 'tokens');
  await tokenRow.getByRole('button', { name: 'Revoke' }).click();
  await tokenRow.getByText(/revoked/).waitFor();
});

step('the admin reads the audit log: who shared what, when, from where', async () => {
  await admin.getByRole('link', { name: 'Audit log' }).click();
  const share = admin.getByTestId('audit-row').filter({ hasText: 'preset.share' });
  await share.first().waitFor();
  assert.match(await share.first().textContent(), /admin/);
  assert.match(await share.first().textContent(), /127\.0\.0\.1/);
  await shot(admin, 'audit-log');
  // Not for others: the link is absent and the page's call is refused.
  assert.equal(await bob.getByRole('link', { name: 'Audit log' }).count(), 0);
});

step('Sign out brings the Sign-in page back', async () => {
  await bob.getByRole('button', { name: 'Sign out' }).click();
  await bob.getByRole('form', { name: 'Sign in' }).waitFor();
  const me = await api(bob, 'GET', '/api/auth/me');
  assert.equal(me.body.mode, 'signed-out');
  await shot(bob, 'sign-in');
});

// ---------------------------------------------------------------- runner

const pageErrors = [];
async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  return page;
}

const browser = await launchBrowser();
let passed = 0;
let failed = 0;
try {
  for (const { name, fn } of steps) {
    if (failed) {
      console.log(`  - ${name} (not run: an earlier step failed)`);
      continue;
    }
    try {
      await fn({ browser });
      if (pageErrors.length) throw new Error(`page errors: ${pageErrors.splice(0).join(' | ')}`);
      passed += 1;
      console.log(`  ✓ ${name}`);
    } catch (err) {
      failed += 1;
      console.log(`  ✗ ${name}\n    ${String(err?.stack || err).split('\n').slice(0, 6).join('\n    ')}`);
      for (const [who, page] of [['admin', admin], ['bob', bob]]) {
        if (page) await page.screenshot({ path: join(SHOTS, `FAILED-auth-${who}.png`), fullPage: true }).catch(() => {});
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`E2E (accounts): ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
