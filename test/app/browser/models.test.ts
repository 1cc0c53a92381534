import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, startWebMode, type WebMode } from './web-mode';

// Models in the app as a user meets them (web mode, headless Chromium): a run trained on an MNIST
// slice is saved as a model from its monitor, exported as a bundle and as NIR (downloads), both
// files are imported back, the copy is evaluated, and "Try it" recognises a digit drawn with the mouse.

let web: WebMode | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'stbp-models-'));

const byTestId = (id: string): Locator => page.getByTestId(id);
const points = async (id: string): Promise<number> => Number(await byTestId(id).getAttribute('data-points'));
const row = (name: string): Locator => page.locator(`[data-testid=model-row][data-name="${name}"]`);
const eventually = { timeout: 90_000, interval: 100 };

/** Runs `action` and saves what it makes the page download; answers the suggested name and the bytes. */
async function download(action: () => Promise<void>, as: string): Promise<{ name: string; bytes: Buffer; path: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), action()]);
  const path = join(scratch, as);
  await file.saveAs(path);
  return { name: file.suggestedFilename(), bytes: readFileSync(path), path };
}

/** Imports a model file through the dialog (the file chooser gets `path`). */
async function importModel(path: string, name: string): Promise<void> {
  await byTestId('model-import').click();
  const chooser = page.waitForEvent('filechooser');
  await byTestId('model-import-choose').click();
  await (await chooser).setFiles(path);
  await expect.poll(() => byTestId('model-import-source').innerText(), eventually).not.toMatch(/nothing chosen|waiting/);
  await byTestId('model-import-name').fill(name);
  await byTestId('model-import-submit').click();
  await expect.poll(() => row(name).count(), eventually).toBe(1);
}

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  errors = collectPageErrors(page);
  await page.goto(web.url);
  await byTestId('nav-models').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('models in headless Chromium (web mode)', () => {
  it('trains a small run and saves its best epoch as a model from the monitor', async () => {
    await byTestId('nav-runs').click();
    await byTestId('run-new').click();
    await expect.poll(() => byTestId('launch-dataset').locator('option', { hasText: 'mnist' }).count(), eventually).toBe(1);
    await byTestId('launch-dataset').selectOption({ label: 'mnist' });
    await byTestId('launch-spec').selectOption('preset:mlp-quick'); // 784-128-10
    await byTestId('launch-epochs').fill('1');
    await byTestId('launch-steps').fill('8');
    await byTestId('launch-batch').fill('50');
    await byTestId('launch-limit').fill('5000');
    await byTestId('launch-test-limit').fill('300');
    await byTestId('launch-seed').fill('3');
    await byTestId('launch-start').click();
    await expect.poll(() => byTestId('run-status').getAttribute('data-status'), eventually).toBe('completed');

    const menu = byTestId('run-model');
    await expect.poll(() => menu.isEnabled(), eventually).toBe(true);
    await menu.click();
    await screenshot(page, 'monitor-model-menu');
    await byTestId('run-save-model').click();
    await expect.poll(() => byTestId('save-model-weights').locator('option').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^best: epoch 1/)]));
    await byTestId('save-model-weights').selectOption('best');
    await byTestId('save-model-name').fill('digits');
    await byTestId('save-model-submit').click();
    await expect.poll(() => byTestId('save-model-dialog').isVisible(), eventually).toBe(false);

    await byTestId('nav-models').click();
    await expect.poll(() => row('digits').count(), eventually).toBe(1);
    expect(await row('digits').getAttribute('data-origin')).toBe('trained');
    expect(await row('digits').innerText()).toMatch(/784-128-10/);
    expect(Number(await row('digits').getAttribute('data-test-accuracy'))).toBeGreaterThan(0.5);
    await screenshot(page, 'models');
  });

  it('exports the model as a .stbp bundle and as a .nir file with the dt asked for', async () => {
    await row('digits').click();
    await byTestId('model-export').click();
    const bundle = await download(() => byTestId('export-submit').click(), 'digits.stbp');
    expect(bundle.name).toMatch(/\.stbp$/);
    expect(bundle.bytes.subarray(0, 8).toString('latin1')).toBe('STBPMODL');

    await byTestId('model-export').click();
    await byTestId('export-format-nir').check();
    expect(await byTestId('export-dt').inputValue()).toBe('0.0001');
    await byTestId('export-dt').fill('0');
    expect(await byTestId('export-submit').isDisabled()).toBe(true); // dt must be above 0
    await byTestId('export-dt').fill('1e-3');
    const nir = await download(() => byTestId('export-submit').click(), 'digits.nir');
    expect(nir.name).toMatch(/\.nir$/);
    expect(nir.bytes.subarray(0, 8).toString('latin1')).toBe('\x89HDF\r\n\x1a\n');
  });

  it('imports the bundle and the NIR file back as models', async () => {
    await importModel(join(scratch, 'digits.stbp'), 'digits-copy');
    expect(await row('digits-copy').getAttribute('data-origin')).toBe('bundle');
    await importModel(join(scratch, 'digits.nir'), 'digits-nir');
    expect(await row('digits-nir').getAttribute('data-origin')).toBe('nir');
    await row('digits-nir').click();
    await expect.poll(() => byTestId('model-provenance').innerText(), eventually).toMatch(/NIR dt\s+0\.001 s/);
  });

  it('evaluates the imported copy on the MNIST test slice: the accuracy its run measured for that epoch', async () => {
    await row('digits-copy').click();
    await expect.poll(() => byTestId('evaluate-dataset').locator('option:checked').innerText(), eventually).toBe('mnist');
    await byTestId('evaluate-limit').fill('300');
    await byTestId('evaluate-run').click();
    await expect.poll(() => byTestId('evaluate-result').count(), eventually).toBe(1);
    const accuracy = Number(await byTestId('evaluate-result').getAttribute('data-accuracy'));
    expect(accuracy).toBe(Number(await row('digits-copy').getAttribute('data-test-accuracy')));
    expect(await points('chart-evaluate-confusion')).toBe(100);
    expect(await points('chart-evaluate-per-class')).toBe(10);
    await screenshot(page, 'model-details');
  });

  it('tries the copy: a "1" drawn with the mouse is recognised, with spike counts, raster and membrane trace', async () => {
    await byTestId('model-try').click();
    await expect.poll(() => byTestId('try-status').getAttribute('data-state'), eventually).toBe('ready');
    const canvas = byTestId('try-canvas');
    const box = (await canvas.boundingBox())!;
    // A vertical stroke down the middle of the pad, drawn in many small moves (pointer events).
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 25 });
    await page.mouse.up();
    await expect.poll(() => byTestId('try-prediction').getAttribute('data-predicted'), eventually).not.toBe('');
    expect(await byTestId('try-prediction').getAttribute('data-predicted')).toBe('1');
    expect(await points('chart-try-counts')).toBe(10);
    await expect.poll(() => points('chart-try-raster'), eventually).toBeGreaterThan(0); // the winner spiked at least once
    expect(await points('chart-try-membrane')).toBe(8); // u[t] of the winner over T = 8 steps
    await screenshot(page, 'try-it');

    await byTestId('try-clear').click();
    expect(await byTestId('try-prediction').getAttribute('data-predicted')).toBe('');
    expect(await points('chart-try-counts')).toBe(0);
  });

  it('tries a test sample of MNIST', async () => {
    await byTestId('try-mode-sample').click();
    await expect.poll(() => byTestId('try-sample').count(), eventually).toBe(24);
    const sample = byTestId('try-sample').first();
    await sample.click();
    await expect.poll(() => byTestId('try-prediction').getAttribute('data-predicted'), eventually).not.toBe('');
    expect(await points('chart-try-counts')).toBe(10);
  });

  it('deletes a model after asking', async () => {
    await byTestId('try-back').click();
    await row('digits-nir').click();
    await byTestId('model-delete').click();
    await byTestId('confirm-ok').click();
    await expect.poll(() => row('digits-nir').count(), eventually).toBe(0);
    expect(await row('digits').count()).toBe(1);
  });

  it('fine-tunes a model: the launcher opens with its spec and starts from its weights', async () => {
    await row('digits').click();
    await byTestId('model-tune').click();
    await expect.poll(() => byTestId('launch-initial-model').textContent(), eventually).toMatch(/Starts from the weights of model #\d+/);
    expect(await byTestId('launch-name').inputValue()).toBe('digits-tuned');
  });

  it('logged no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
