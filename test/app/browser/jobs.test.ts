import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonWith } from '../../helpers/python';
import { collectPageErrors, launchChromium, screenshot, startWebMode, type WebMode } from './web-mode';

// PyTorch jobs in the app as a user meets them (web mode, headless Chromium): a design from the
// launcher exported as a job folder, run here with PyTorch (torchrun) while its monitor fills, then
// its results imported from the runs list as another run. Needs Debian's python3 with torch.
const python = pythonWith(['torch', 'numpy', 'h5py']);

let web: WebMode | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'stbp-jobs-browser-'));
const folder = join(scratch, 'quick-job');

const byTestId = (id: string): Locator => page.getByTestId(id);
const eventually = { timeout: 120_000, interval: 100 };

beforeAll(async () => {
  if (!python.ok) return;
  web = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  errors = collectPageErrors(page);
  await page.goto(web.url);
  await byTestId('nav-runs').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!python.ok)(`PyTorch jobs in headless Chromium (web mode)${python.ok ? '' : ` (skipped: ${python.reason})`}`, () => {
  it('exports a design from the launcher as a job folder and runs it here with PyTorch; the monitor fills', async () => {
    await byTestId('nav-runs').click();
    await byTestId('run-new').click();
    await expect.poll(() => byTestId('launch-dataset').locator('option', { hasText: 'mnist' }).count(), eventually).toBe(1);
    await byTestId('launch-dataset').selectOption({ label: 'mnist' });
    await byTestId('launch-spec').selectOption('preset:mlp-quick');
    await byTestId('launch-epochs').fill('1');
    await byTestId('launch-steps').fill('4');
    await byTestId('launch-batch').fill('50');
    await byTestId('launch-limit').fill('1000');
    await byTestId('launch-test-limit').fill('200');
    await byTestId('launch-export-job').click();
    await byTestId('job-folder').fill('relative/path');
    expect(await byTestId('job-export-submit').isDisabled()).toBe(true); // an absolute folder is asked for
    await byTestId('job-folder').fill(folder);
    await byTestId('job-export-submit').click();
    await expect.poll(() => byTestId('job-written').innerText(), eventually).toContain(folder);
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(['model.py', 'train.py', 'README.md', 'data']));
    await screenshot(page, 'job-exported');
    await byTestId('job-run-here').click();
    await expect.poll(() => byTestId('run-status').getAttribute('data-status'), eventually).toBe('completed');
    await expect.poll(async () => Number(await byTestId('chart-loss').getAttribute('data-points')), eventually).toBeGreaterThan(0);
    await screenshot(page, 'job-monitor');
  });

  it('imports the job\'s results from the runs list as another run', async () => {
    await byTestId('nav-runs').click();
    const before = await page.locator('[data-testid=run-row]').count();
    await byTestId('runs-jobs').click();
    await byTestId('jobs-import').click();
    await byTestId('job-folder-path').fill(folder);
    await byTestId('job-folder-submit').click();
    await expect.poll(() => byTestId('run-status').getAttribute('data-status'), eventually).toBe('completed');
    await byTestId('nav-runs').click();
    await expect.poll(() => page.locator('[data-testid=run-row]').count(), eventually).toBe(before + 1);
  });

  it('logged no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
