import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, readmeScreenshot, startWebMode, type WebMode } from './web-mode';

// Issue 12 in the app as a user meets it (web mode, headless Chromium), in order like one session:
// Help; a designer that never drops unsaved work and points at the field at fault; a launcher with
// errors beside their fields, warnings, a quick setting and a measured estimate; the encoding
// preview refusing T = 0; a run's progress kept when paused, its last weights evaluated when
// stopped, probes live within an epoch, the verdict of a run that did not learn, Compare aligned by
// samples, and the confusion matrix readable in the light theme. The README's pictures come from
// here (STBP_README_SCREENSHOTS=1 writes them to docs/screenshots/).

let web: WebMode | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[] = [];

const byTestId = (id: string): Locator => page.getByTestId(id);
const cards = (): Locator => byTestId('layer-card');
const points = async (id: string): Promise<number> => Number(await byTestId(id).getAttribute('data-points'));
const status = (): Promise<string | null> => byTestId('run-status').getAttribute('data-status');
const eventually = { timeout: 90_000, interval: 100 };

/** Starts a run of the preset mlp-quick (784-128-10) from the launcher with these fields. */
async function launch(fields: Record<string, string>): Promise<void> {
  await byTestId('nav-runs').click();
  await byTestId('run-new').click();
  await expect.poll(() => byTestId('launch-dataset').locator('option', { hasText: 'mnist' }).count(), eventually).toBe(1);
  await byTestId('launch-dataset').selectOption({ label: 'mnist' });
  await byTestId('launch-spec').selectOption('preset:mlp-quick');
  for (const [id, value] of Object.entries(fields)) await byTestId(id).fill(value);
  await byTestId('launch-start').click();
  await expect.poll(status, eventually).not.toBe(null);
}

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  errors = collectPageErrors(page);
  await page.goto(web.url);
  await byTestId('nav-designer').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('help', () => {
  it('opens with "?" and with F1: what STBP is, the workflow, the presets, the shortcuts', async () => {
    await expect.poll(() => byTestId('app-info').innerText(), eventually).toMatch(/web/); // the app has started
    await page.keyboard.press('?');
    const help = byTestId('help');
    await expect.poll(() => help.isVisible(), eventually).toBe(true);
    const text = (await help.textContent()) ?? ''; // headings are shown in capitals
    for (const heading of ['What STBP is', 'The workflow', 'Presets', 'Keyboard shortcuts']) expect(text).toContain(heading);
    await expect.poll(() => help.innerText(), eventually).toContain('cnn-table5');
    await readmeScreenshot(page, 'help');
    await page.keyboard.press('Escape');
    await expect.poll(() => help.isVisible(), eventually).toBe(false);
    await page.keyboard.press('F1');
    await expect.poll(() => help.isVisible(), eventually).toBe(true);
    await byTestId('help-close').click();
    await expect.poll(() => help.isVisible(), eventually).toBe(false);
  });
});

describe('the designer protects the user', () => {
  it('"New" offers an MLP, a CNN and the presets', async () => {
    await byTestId('designer-new').click();
    for (const id of ['designer-new-mlp', 'designer-new-cnn', 'designer-new-preset-cnn-table5', 'designer-new-preset-mlp-800']) {
      await expect.poll(() => byTestId(id).count(), eventually).toBe(1);
    }
    await byTestId('designer-new-cnn').click();
    const shapes = (): Promise<string[]> => cards().evaluateAll((all) => all.map((c) => c.querySelector('[data-testid=layer-shape]')?.textContent?.trim() ?? ''));
    await expect.poll(shapes).toEqual(['[1, 28, 28]', '[6, 24, 24]', '[6, 12, 12]', '[864]', '[128]', '[10]']);
  });

  it('marks the field at fault: a negative Vth on the layer\'s Vth field, the network default\'s on its own, and Train is off with the reason', async () => {
    await cards().nth(4).click(); // the dense layer
    await byTestId('field-vth').fill('-1');
    await expect.poll(() => byTestId('field-vth').getAttribute('aria-invalid')).toBe('true');
    expect(await byTestId('field-vth-error').innerText()).toBe('vth is -1; allowed: a finite threshold > 0');
    expect(await byTestId('designer-train').isDisabled()).toBe(true);
    expect(await byTestId('designer-train-reason').getAttribute('title')).toBe('Fix the network first: layer 4 (dense): vth is -1; allowed: a finite threshold > 0');
    await readmeScreenshot(page, 'designer');
    await byTestId('field-vth').fill('');
    await expect.poll(() => byTestId('designer-train').isEnabled()).toBe(true);

    await page.getByRole('button', { name: '← Network settings' }).click();
    await byTestId('network-vth').fill('-0.5');
    await expect.poll(() => byTestId('network-vth-error').innerText()).toMatch(/^vth is -0\.5; allowed: a finite threshold > 0 \(layer 1 uses this default\)$/);
    expect(await byTestId('designer-train').isDisabled()).toBe(true);
    await byTestId('network-vth').fill('1.5');
    await expect.poll(() => byTestId('designer-train').isEnabled()).toBe(true);
  });

  it('"New" never silently replaces unsaved work: it asks, and Ctrl+Z brings the network back', async () => {
    // The CNN above was edited and never saved.
    await byTestId('designer-new').click();
    await byTestId('designer-new-mlp').click();
    await expect.poll(() => byTestId('confirm-dialog').isVisible()).toBe(true);
    expect(await byTestId('confirm-dialog').innerText()).toMatch(/has changes that are not saved/);
    await byTestId('confirm-cancel').click();
    expect(await cards().count()).toBe(6); // still the CNN
    await byTestId('designer-new').click();
    await byTestId('designer-new-mlp').click();
    await byTestId('confirm-ok').click();
    await expect.poll(() => cards().count()).toBe(3);
    await page.locator('body').click({ position: { x: 600, y: 700 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => cards().count()).toBe(6);
  });
});

describe('the launcher protects the user', () => {
  it('puts errors beside their fields by label, warns of extreme settings, offers a quick setting and says how long it will take here', async () => {
    await byTestId('designer-train').click();
    await expect.poll(() => byTestId('launch-dataset').locator('option', { hasText: 'mnist' }).count(), eventually).toBe(1);
    await byTestId('launch-dataset').selectOption({ label: 'mnist' });
    await byTestId('launch-steps').fill('0');
    await expect.poll(() => byTestId('launch-steps-error').innerText()).toBe('Time steps T must be a whole number from 1 to 10,000 (it is 0).');
    expect(await byTestId('launch-start').isDisabled()).toBe(true);
    expect(await byTestId('launch-estimate').innerText()).toMatch(/one field needs a change/);
    await byTestId('launch-steps').fill('1');
    await expect.poll(() => byTestId('launch-steps-warning').innerText()).toMatch(/^T = 1 is a single time step/);
    await byTestId('launch-lr').fill('50');
    await expect.poll(() => byTestId('launch-lr-warning').innerText()).toMatch(/^Learning rate 50 is far above Adam's usual range \(0\.0001 to 0\.01\)/);
    await byTestId('launch-gain').fill('0.01');
    await expect.poll(() => byTestId('launch-gain-warning').innerText()).toMatch(/^Vth 1\.5 of layer 1 \(conv2d\) is above the most any input can give it at the start/);
    expect(await byTestId('launch-start').isEnabled()).toBe(true); // warnings do not stop a start

    await byTestId('launch-defaults').click(); // the paper's
    await byTestId('launch-quick').click();
    expect([await byTestId('launch-steps').inputValue(), await byTestId('launch-epochs').inputValue(), await byTestId('launch-limit').inputValue()]).toEqual(['8', '3', '10000']);
    await expect.poll(() => byTestId('launch-estimate').getAttribute('data-state'), eventually).toBe('ready');
    expect(await byTestId('launch-estimate-time').innerText()).toMatch(/^≈ (\d+ s|\d+ min \d\d s|\d+ h \d\d min) on this machine$/);
    expect(await byTestId('launch-estimate').innerText()).toMatch(/measured just now: \d+ training batch(es)? of this network at [\d,]+ samples\/s/);
    await readmeScreenshot(page, 'launcher');
  });

  it('"Rerun with changes…" asks before replacing unsaved work in the designer', async () => {
    await launch({ 'launch-epochs': '1', 'launch-steps': '4', 'launch-limit': '500', 'launch-test-limit': '100' });
    await expect.poll(status, eventually).toBe('completed');
    await byTestId('run-rerun').click(); // the designer still holds the edited, unsaved CNN
    await expect.poll(() => byTestId('confirm-dialog').isVisible()).toBe(true);
    await byTestId('confirm-cancel').click();
    expect(await status()).toBe('completed'); // still on the monitor
  });
});

describe('the encoding preview', () => {
  it('refuses T = 0 at the field, clears the raster, names no internal call; shows the spike counts and a frame per step', async () => {
    await byTestId('nav-datasets').click();
    await page.locator('[data-testid=dataset-row][data-name=mnist]').click();
    await expect.poll(() => byTestId('sample-thumb').count(), eventually).toBeGreaterThan(10);
    await byTestId('sample-thumb').first().click();
    await expect.poll(() => points('chart-encoding'), eventually).toBeGreaterThan(100);
    await byTestId('encoding-steps').fill('8');
    await expect.poll(() => byTestId('encoding-frames').getAttribute('data-frames'), eventually).toBe('8');
    expect(await byTestId('encoding-count-image').isVisible()).toBe(true);
    await readmeScreenshot(page, 'datasets');

    await byTestId('encoding-steps').fill('0');
    await expect.poll(() => byTestId('encoding-steps-error').innerText()).toBe('Steps T must be a whole number from 1 to 1,000 (it is 0).');
    await expect.poll(() => points('chart-encoding')).toBe(0);
    expect(await byTestId('encoding-frames').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toMatch(/getEncoding|request\./);
  });
});

describe('the run\'s state, told truthfully', () => {
  it('shows the probe sample live within an epoch, every layer, then keeps the progress when paused, in the monitor and the list', async () => {
    // All 60,000 samples in batches of 10 at T = 30: 6,000 batches an epoch, far more than the few seconds between live probes.
    // A quiet machine trains an epoch of this small net in about 15 s, so the pause may land in any epoch: it is read, not assumed.
    await launch({ 'launch-epochs': '5', 'launch-steps': '30', 'launch-batch': '10', 'launch-limit': '60000', 'launch-test-limit': '300', 'launch-name': 'long' });
    await expect.poll(() => byTestId('probes-live').count(), eventually).toBe(1);
    expect(await byTestId('probes-live').innerText()).toMatch(/^live: epoch \d, batch \d+ \(live\)$/);
    expect(await byTestId('raster-panel').count()).toBe(3); // input, hidden, output
    expect(await byTestId('membrane-when').innerText()).toMatch(/^epoch \d, batch \d+ \(live\)$/);
    await readmeScreenshot(page, 'monitor');
    await byTestId('raster-panel').first().scrollIntoViewIfNeeded();
    await readmeScreenshot(page, 'monitor-probes');
    await byTestId('run-pause').click();
    await expect.poll(status, eventually).toBe('paused');
    const position = await byTestId('run-position').innerText();
    const [epoch, batch] = (/^epoch (\d) \/ 5 · batch ([\d,]+) \/ 6,000/.exec(position) ?? []).slice(1).map((n) => Number(n.replace(',', '')));
    expect(batch, position).toBeGreaterThan(0);
    expect(position).toBe(`epoch ${epoch} / 5 · batch ${batch!.toLocaleString('en-US')} / 6,000 (${Math.floor(batch! / 60)}% of the epoch)`);
    expect(await byTestId('run-samples').innerText()).toBe(`${(((epoch! - 1) * 6000 + batch!) * 10).toLocaleString('en-US')} / 300,000 samples seen`);

    await byTestId('nav-runs').click();
    const row = page.locator('[data-testid=run-row]', { hasText: 'long' });
    expect(await row.getByTestId('run-row-progress').innerText()).toContain(`${batch!.toLocaleString('en-US')}/6,000 of epoch ${epoch}`);
    await readmeScreenshot(page, 'runs');

    // Stopped, its last weights are evaluated on the test set.
    await row.getByTestId('run-open').click();
    await byTestId('run-stop').click();
    await expect.poll(status, eventually).toBe('stopped');
    await expect.poll(() => byTestId('run-stop-figures').getAttribute('data-evaluated'), eventually).toBe('true');
    expect(await byTestId('run-stop-figures').innerText()).toMatch(
      new RegExp(`^stopped in epoch ${epoch} at batch ${batch!.toLocaleString('en-US')} of 6,000: test accuracy \\d+\\.\\d\\d% \\(evaluated at the stop\\)$`),
    );
  });

  it('says a run at lr 50 diverged, beside its status word, in the monitor, the list and Compare', async () => {
    await launch({ 'launch-epochs': '1', 'launch-steps': '8', 'launch-lr': '50', 'launch-limit': '2000', 'launch-test-limit': '500', 'launch-name': 'wild' });
    await expect.poll(status, eventually).toBe('completed');
    await expect.poll(() => byTestId('run-verdict').getAttribute('data-verdict'), eventually).toBe('diverged');
    expect(await byTestId('run-verdict-message').innerText()).toMatch(/^diverged: test accuracy \d+(\.\d)?% \(chance 10%\), membrane up to [\d,]+ \(Vth 1\.5\)/);
    expect(await byTestId('run-status').locator('.badge').getAttribute('class')).toContain('doubtful'); // not "completed" in green
    await readmeScreenshot(page, 'monitor-diverged');

    await byTestId('nav-compare').click();
    const picks = byTestId('compare-pick');
    await expect.poll(() => picks.count(), eventually).toBe(3);
    for (const pick of await picks.all()) if (!(await pick.isChecked())) await pick.check();
    await expect.poll(() => byTestId('compare-table').locator('[data-setting=verdict] td[data-verdict=diverged]').count(), eventually).toBe(1);
    await byTestId('compare-align').selectOption('samples');
    await expect.poll(() => points('chart-compare-accuracy'), eventually).toBeGreaterThan(0);
    expect(await byTestId('compare-table').locator('[data-setting=final-at]').innerText()).toContain('the weights it stopped with');
    await readmeScreenshot(page, 'compare');
  });

  it('prints the confusion matrix\'s counts readably in the light theme', async () => {
    await page.getByRole('radio', { name: 'light' }).click();
    await byTestId('nav-runs').click();
    await page.locator('[data-testid=run-row]', { hasText: 'wild' }).getByTestId('run-open').click();
    await expect.poll(() => points('chart-confusion'), eventually).toBe(100);
    const [file] = await Promise.all([page.waitForEvent('download'), (async () => {
      await byTestId('chart-confusion-export').click();
      await byTestId('chart-confusion-export-svg').click();
    })()]);
    const svg = readFileSync((await file.path())!, 'utf8');
    // The counts printed in the 100 cells, with their colours: dark on the pale cells, white on the dark ones
    // (the class names 0–9 on the axes are numbers too, in the axis colour).
    const counts = [...svg.matchAll(/<text[^>]*fill="(#ffffff|#0f172a)"[^>]*>(\d+)<\/text>/g)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(counts).toHaveLength(100);
    const max = Math.max(...counts.map(([, n]) => n));
    for (const [fill, n] of counts) expect([n, fill]).toEqual([n, n / max >= 0.4 ? '#ffffff' : '#0f172a']);
    await page.getByRole('radio', { name: 'system' }).click();
  });

  it('logged no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
