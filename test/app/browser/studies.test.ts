import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, startWebMode, type WebMode } from './web-mode';

// The Studies view as a user meets it: `stbp web` on a fresh store, the built renderer in headless
// Chromium. A study is made from a recipe on a tiny slice, its grid fills as the queue trains it,
// and its summary sits beside the paper's numbers.

let web: WebMode | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[] = [];

const byTestId = (id: string): Locator => page.getByTestId(id);
const eventually = { timeout: 120_000, interval: 100 };
const cellStates = (): Promise<(string | null)[]> => byTestId('study-cell').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));

async function downloaded(action: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), action()]);
  return { name: download.suggestedFilename(), text: readFileSync((await download.path())!).toString('utf8') };
}

/** The recipe's JSON in the editor, with `patch` applied to its base and top level. */
async function editStudy(patch: { base?: object; [key: string]: unknown }): Promise<void> {
  const file = JSON.parse(await byTestId('study-json').inputValue()) as { base: object };
  const { base, ...top } = patch;
  await byTestId('study-json').fill(JSON.stringify({ ...file, ...top, base: { ...file.base, ...base } }, null, 2));
}

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  errors = collectPageErrors(page);
  await page.goto(web.url);
  await byTestId('nav-studies').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('the Studies view in headless Chromium (web mode)', () => {
  it('starts empty, with an empty queue', async () => {
    await byTestId('nav-studies').click();
    await expect.poll(() => page.getByText('No studies yet').count(), eventually).toBe(1);
    expect(await byTestId('queue-panel').innerText()).toMatch(/Nothing queued/);
  });

  it('asks before queueing a study larger than the usual limit, and queues nothing when told no', async () => {
    await byTestId('study-new').click();
    await byTestId('study-recipe').selectOption({ label: 'Rectangle width a1 (Fig. 6b)' });
    await byTestId('study-use-recipe').click();
    await editStudy({ seeds: 6 }); // 6 widths × 6 seeds
    await byTestId('study-check').click();
    await expect.poll(() => byTestId('study-preview').innerText(), eventually).toMatch(/36 runs\s+over surrogate\.width[\s\S]*more than 32: you will be asked to confirm/);
    await byTestId('study-queue').click();
    await expect.poll(() => byTestId('confirm-dialog').innerText()).toMatch(/Queue 36 runs\?/);
    await byTestId('confirm-cancel').click();
    await editStudy({ axes: { 'surrogate.height': [1] } });
    await byTestId('study-check').click();
    await expect.poll(() => byTestId('study-problem').innerText(), eventually).toMatch(/axes names the unknown setting "surrogate\.height"; allowed: surrogate\.name, surrogate\.width/);
    expect(await byTestId('study-item').count()).toBe(0);
  });

  it('creates a study from a recipe on a tiny slice, fills its grid as the queue trains it, and shows the summary beside the paper', async () => {
    await byTestId('study-recipe').selectOption({ label: 'STBP vs SDBP (Table VII)' });
    await byTestId('study-scale-quick').check();
    await byTestId('study-use-recipe').click();
    expect(await byTestId('study-json').inputValue()).toMatch(/"name": "stbp-vs-sdbp-quick"/);
    await screenshot(page, 'studies-new');
    await editStudy({ base: { limit: 300, testLimit: 100, epochs: 2, threads: 1 }, seeds: 1 });
    await byTestId('study-check').click();
    await expect.poll(() => byTestId('study-preview').innerText(), eventually).toMatch(/^2 runs\s+over grad/);
    await byTestId('study-queue').click();

    await expect.poll(() => byTestId('study-name').innerText(), eventually).toMatch(/stbp-vs-sdbp-quick/);
    expect(await byTestId('study-cell').count()).toBe(2);
    await expect.poll(cellStates, eventually).toEqual(['completed', 'completed']);
    await expect.poll(() => byTestId('study-counts').innerText(), eventually).toMatch(/^2\/2 completed/);
    const rows = byTestId('study-summary').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-setting')).toBe('grad=stbp');
    expect(await rows.nth(0).locator('[data-cell=runs]').innerText()).toBe('1/1');
    expect(await rows.nth(0).locator('[data-cell=mean]').innerText()).toMatch(/^\d+\.\d\d%$/);
    expect(await rows.nth(0).locator('[data-cell=paper]').innerText()).toBe('98.48%');
    expect(await rows.nth(1).locator('[data-cell=paper]').innerText()).toBe('98.29%');
    await expect.poll(() => byTestId('chart-study-bars').getAttribute('data-points'), eventually).not.toBe('0');
    expect(Number(await byTestId('chart-study-curves').getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
    expect(await byTestId('queue-panel').innerText()).toMatch(/Nothing queued/);
    await screenshot(page, 'studies');

    const csv = await downloaded(() => byTestId('study-export-summary').click());
    expect(csv.name).toBe('study-1-stbp-vs-sdbp-quick-summary.csv');
    expect(csv.text.split('\r\n')[0]).toBe('grad,runs,completed,mean (last 2 epochs),spread over seeds,min,max,paper mean,paper min,paper max,paper source');
    expect(csv.text.split('\r\n')[1]).toMatch(/^stbp,1,1,0\.\d+,,0\.\d+,0\.\d+,0\.9848,0\.9842,0\.9851,"?Table VII/);
    const json = await downloaded(() => byTestId('study-save').click());
    expect(JSON.parse(json.text)).toMatchObject({ name: 'stbp-vs-sdbp-quick', axes: { grad: ['stbp', 'sdbp'] }, base: { limit: 300 }, recipe: { name: 'stbp-vs-sdbp', scale: 'quick' } });
    const svg = await downloaded(async () => {
      await byTestId('chart-study-bars-export').click();
      await byTestId('chart-study-bars-export-svg').click();
    });
    expect(svg.name).toBe('study-1-stbp-vs-sdbp-quick-per-setting.svg');
    expect(svg.text).toMatch(/^<svg/);
  });

  it('lists the study’s runs as normal runs, and holds new runs while the queue is paused', async () => {
    await byTestId('queue-pause').click();
    await expect.poll(() => byTestId('queue-pause').innerText()).toBe('Resume queue');
    await byTestId('study-new').click();
    await byTestId('study-recipe').selectOption({ label: 'Time window T = 8, 16, 30' });
    await byTestId('study-use-recipe').click();
    await editStudy({ base: { limit: 200, testLimit: 50, epochs: 1, threads: 1 }, seeds: 1 });
    await byTestId('study-queue').click();
    await expect.poll(() => byTestId('study-cell').count(), eventually).toBe(3);
    await expect.poll(() => byTestId('queue-entries').locator('li').count(), eventually).toBe(3);
    expect(await cellStates()).toEqual(['created', 'created', 'created']);
    // The last one first, then the queue runs again.
    const order = (): Promise<(string | null)[]> => byTestId('queue-entries').locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-run-id')));
    const [a, b, c] = await order();
    await byTestId('queue-up').nth(2).click();
    await expect.poll(order).toEqual([a, c, b]);
    await byTestId('queue-up').nth(1).click();
    await expect.poll(order).toEqual([c, a, b]);
    expect(c).toBe(await byTestId('study-cell').nth(2).getAttribute('data-run-id'));
    await byTestId('queue-pause').click();
    await expect.poll(cellStates, eventually).toEqual(['completed', 'completed', 'completed']);
    await byTestId('nav-runs').click();
    await expect.poll(() => page.getByText('stbp-vs-sdbp-quick: grad=sdbp, seed 1').count(), eventually).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
