import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, startWebMode, type WebMode } from './web-mode';

// Event-camera emulation as a user meets it (web mode, headless Chromium): "Emulate events…" on
// MNIST records a slice into a new event dataset with its progress, a second one is stopped and
// stores nothing, and the event-frame viewer shows a recording's windows over time (Fig. 5).

let web: WebMode | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[] = [];

const byTestId = (id: string): Locator => page.getByTestId(id);
const row = (name: string): Locator => page.locator(`[data-testid=dataset-row][data-name="${name}"]`);
const eventually = { timeout: 90_000, interval: 100 };

/** What the page's canvas offers here (this file is type-checked without the DOM library). */
interface Canvas2d {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Lit pixels of a canvas (any of R, G, B above 0). */
const litPixels = (canvas: Locator): Promise<number> =>
  canvas.evaluate((node) => {
    const el = node as unknown as Canvas2d;
    const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! > 0) lit++;
    return lit;
  });

async function openEmulateDialog(name: string, limit: string): Promise<void> {
  await row('mnist').click();
  await byTestId('emulate-open').click();
  await byTestId('emulate-name').fill(name);
  await byTestId('emulate-limit').fill(limit);
}

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  errors = collectPageErrors(page);
  await page.goto(web.url);
  await byTestId('nav-datasets').click();
  await row('mnist').waitFor({ timeout: 90_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('event-camera emulation in headless Chromium (web mode)', () => {
  it('records an MNIST slice as events from the Datasets view, showing progress, and selects the new dataset', async () => {
    await openEmulateDialog('mnist-dvs', '150');
    await byTestId('emulate-threshold').fill('0.35');
    await screenshot(page, 'emulate-dialog');
    await byTestId('emulate-start').click();
    await expect.poll(() => byTestId('emulate-progress').count(), eventually).toBe(1);
    await expect.poll(() => row('mnist-dvs').count(), eventually).toBe(1);
    // The new dataset is selected: it holds events, so the dialog (for images) is gone.
    await expect.poll(() => row('mnist-dvs').getAttribute('aria-selected'), eventually).toBe('true');
    expect(await byTestId('emulate-dialog').count()).toBe(0);
    expect(await row('mnist-dvs').innerText()).toMatch(/events[\s\S]*2 × 34 × 34[\s\S]*150[\s\S]*150[\s\S]*emulated from dataset "mnist"/);
  });

  it('shows event frames of the selected recording: a strip over the saccades, a scrubbed window and the rate', async () => {
    await expect.poll(() => byTestId('frames-meta').count(), eventually).toBe(1);
    expect(await byTestId('frames-meta').innerText()).toMatch(/sample #0 \(train\) · label 5 · [\d,]+ events \(ON [\d,]+, OFF [\d,]+\) over [\d.]+ ms · emulated \(threshold 0\.35/);
    const strip = byTestId('frames-strip').locator('canvas');
    expect(await strip.count()).toBe(10);
    expect(await litPixels(strip.nth(2))).toBeGreaterThan(5);
    await byTestId('sample-thumb').nth(3).click();
    await expect.poll(() => byTestId('frames-meta').innerText(), eventually).toMatch(/sample #3 \(train\) · label 1/);
    await byTestId('frames-scrubber').fill('150000');
    expect(await byTestId('frames-time').innerText()).toBe('150–160 ms');
    await screenshot(page, 'event-frames');
  });

  it('stops an emulation on request: nothing is stored', async () => {
    await openEmulateDialog('stopped', '20000');
    await byTestId('emulate-start').click();
    await expect.poll(() => byTestId('emulate-progress').innerText(), eventually).toMatch(/[1-9][\d,]* \/ 30,000 images/);
    await byTestId('emulate-cancel').click();
    await expect.poll(() => byTestId('emulate-error').innerText(), eventually).toMatch(/cancelled after \d+ of 30000 images; nothing was stored/);
    await byTestId('emulate-cancel').click();
    expect(await row('stopped').count()).toBe(0);
  });

  it('logged no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
