// The upload page in a real headless browser (Debian's chromium, driven with
// playwright-core; no browser is downloaded): pick a file, upload it through a ticket
// straight to the OSS emulator, and see the record the callback wrote: uploaded, with the
// file's ETag and size. Without Chromium the test fails and says how to install it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startE2eStack, type E2eStack } from './support';

/** Where Debian's `chromium` package puts the browser; CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('e2e: the upload page in headless Chromium', () => {
  let e2e: E2eStack | undefined;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      assert.fail(`no Chromium at ${CHROMIUM}: this test drives the upload page in a real browser and is not skipped. Install it with \`apt-get install -y chromium\` (Debian; .ci/run does this), or set CHROMIUM_PATH.`);
    }
    e2e = await startE2eStack({ trigger: false });
    profile = await mkdtemp(path.join(os.tmpdir(), 'upload-page-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    await e2e?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test('choose a file, upload it with a progress bar, and see the record: uploaded, with its ETag and size', async () => {
    const stack = e2e!.stack;
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(stack.uploadPage.url);
    await page.waitForSelector('#upload:not([disabled])');

    const content = randomBytes(1024 * 1024 + 17);
    await page.setInputFiles('#file', { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: content });
    await page.click('#upload');
    // Runs in the page (a string, as this project compiles without the DOM library): done or failed.
    await page.waitForFunction("document.getElementById('record-status').textContent !== '' || document.getElementById('message').className === 'error'", undefined, { timeout: 30_000 });

    const message = await page.textContent('#message');
    assert.equal(await page.textContent('#record-status'), 'uploaded', `page says: ${message}; page errors: ${problems.join('; ')}`);
    const md5 = createHash('md5').update(content).digest('hex').toUpperCase();
    assert.equal(await page.textContent('#record-etag'), md5);
    assert.equal(await page.textContent('#record-size'), String(content.length));
    assert.equal(await page.getAttribute('#progress', 'value'), '100');
    const jobId = (await page.textContent('#record-job'))!;
    assert.match(jobId, /^dev-user:/);

    // The same record in the store, written by the callback function.
    const record = await stack.store.getRecord(jobId);
    assert.equal(record?.status, 'uploaded');
    assert.equal(record?.recordedBy, 'callback');
    assert.equal(record?.etag, md5);
    assert.equal(record?.size, content.length);
    assert.deepEqual(problems, []);
  });
});
