import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, SCREENSHOT_DIR, startWebMode, type WebMode } from './web-mode';

// The whole app as a user meets it: `stbp web` on a fresh store, the built renderer in headless
// Chromium, every action by mouse and keyboard. The tests run in order and build on each other
// (a designed network is trained, two runs are compared), like one session at the workbench.

let web: WebMode | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[] = [];
/** Files the tests upload. */
const scratch = mkdtempSync(join(tmpdir(), 'stbp-browser-'));

const byTestId = (id: string): Locator => page.getByTestId(id);
const cards = (): Locator => byTestId('layer-card');
const points = async (id: string): Promise<number> => Number(await byTestId(id).getAttribute('data-points'));
const status = (): Promise<string | null> => byTestId('run-status').getAttribute('data-status');
/** Debian's dataset-fashion-mnist (`.ci/run` installs it): four gzip IDX files. */
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
/** Waits for a condition the UI reaches asynchronously (training, server answers). */
const eventually = { timeout: 90_000, interval: 100 };

/** What `action` makes the page download: the name it suggests and the bytes. */
async function downloaded(action: () => Promise<void>): Promise<{ name: string; bytes: Buffer; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), action()]);
  const bytes = readFileSync((await download.path())!);
  return { name: download.suggestedFilename(), bytes, text: bytes.toString('utf8') };
}

/** A downloaded CSV's lines (CRLF ends, none quoted in these files) split into cells. */
const csvRows = (text: string): string[][] => text.replace(/\r\n$/, '').split('\r\n').map((line) => line.split(','));

/** `stbp runs export` on the web server's store, for the same files from the CLI. */
function cliExport(...args: string[]): string {
  const bin = fileURLToPath(new URL('../../../bin/stbp.mjs', import.meta.url));
  return execFileSync(process.execPath, [bin, 'runs', 'export', ...args], { env: { ...process.env, STBP_HOME: web!.home }, encoding: 'utf8', maxBuffer: 1 << 26 });
}

beforeAll(async () => {
  web = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  errors = collectPageErrors(page);
  await page.goto(web.url);
  await byTestId('nav-designer').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the workbench in headless Chromium (web mode)', () => {
  it('opens with the token taken out of the address bar and says it runs in web mode', async () => {
    expect(page.url()).not.toContain('token');
    await expect.poll(() => byTestId('app-info').innerText(), eventually).toMatch(/web/);
  });

  it('designs a network by dragging layers from the palette, editing, reordering and deleting them', async () => {
    await byTestId('nav-designer').click();
    await byTestId('designer-new').click();
    await byTestId('designer-new-mlp').click();
    await expect.poll(() => cards().count()).toBe(3); // input 784 → dense 800 → output 10

    // A second hidden layer, dropped just above the output card.
    await byTestId('palette-dense').dragTo(cards().nth(2), { targetPosition: { x: 40, y: 4 } });
    await expect.poll(() => cards().count()).toBe(4);
    expect(await cards().nth(2).getAttribute('data-class-name')).toBe('dense');

    // Edit it: the engine's shape inference shows its shape and parameters on the card.
    await cards().nth(2).click();
    await byTestId('field-units').fill('32');
    await expect.poll(() => cards().nth(2).getByTestId('layer-shape').innerText()).toBe('[32]');
    await byTestId('field-units').fill('0');
    await expect.poll(() => cards().nth(2).getByTestId('layer-error').innerText()).toMatch(/units/);
    await byTestId('field-units').fill('32');
    await expect.poll(() => cards().nth(2).getByTestId('layer-error').count()).toBe(0);
    expect(await cards().nth(3).getByTestId('layer-params').innerText()).toMatch(/330 params/); // 32·10 + 10

    // The 800-unit layer is too big for a quick run: narrow it, then drag the 32-unit layer above it.
    await cards().nth(1).click();
    await byTestId('field-units').fill('64');
    await cards().nth(2).dragTo(cards().nth(1), { targetPosition: { x: 40, y: 4 } });
    await expect.poll(() => cards().nth(1).getByTestId('layer-shape').innerText()).toBe('[32]');
    expect(await cards().nth(2).getByTestId('layer-shape').innerText()).toBe('[64]');

    // Dragging a card onto the trash deletes it.
    await byTestId('palette-flatten').dragTo(cards().nth(1), { targetPosition: { x: 40, y: 4 } });
    await expect.poll(() => cards().count()).toBe(5);
    await cards().nth(1).dragTo(byTestId('designer-trash'));
    await expect.poll(() => cards().count()).toBe(4);
    expect(await cards().evaluateAll((all) => all.map((c) => c.getAttribute('data-class-name')))).toEqual(['input', 'dense', 'dense', 'output']);

    await byTestId('spec-name').fill('browser-net');
    await byTestId('spec-save').click();
    await expect.poll(() => byTestId('saved-select').innerText(), eventually).toContain('browser-net');
    await screenshot(page, 'designer');
  });

  it('edits the network from the keyboard: add from the palette, move, delete, undo', async () => {
    const classes = (): Promise<(string | null)[]> => cards().evaluateAll((all) => all.map((c) => c.getAttribute('data-class-name')));
    const before = await classes();
    await cards().nth(1).click();
    await byTestId('palette-flatten').focus();
    await page.keyboard.press('Enter'); // adds after the selected layer
    await expect.poll(classes).toEqual(['input', 'dense', 'flatten', 'dense', 'output']);
    await cards().nth(2).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(classes).toEqual(['input', 'flatten', 'dense', 'dense', 'output']);
    await page.keyboard.press('Delete');
    await expect.poll(classes).toEqual(before);
    await page.keyboard.press('Control+z');
    await expect.poll(classes).toEqual(['input', 'flatten', 'dense', 'dense', 'output']);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect.poll(classes).toEqual(before);
  });

  it("opens the paper's spiking CNN: conv and pooling shapes from the engine, errors on the layer at fault", async () => {
    await byTestId('preset-select').selectOption('cnn-table5'); // no question: undo brought the network back to its saved state
    const shapes = (): Promise<string[]> => cards().evaluateAll((all) => all.map((c) => c.querySelector('[data-testid=layer-shape]')?.textContent?.trim() ?? ''));
    await expect.poll(shapes).toEqual(['[1, 28, 28]', '[15, 24, 24]', '[15, 12, 12]', '[40, 8, 8]', '[40, 4, 4]', '[640]', '[300]', '[10]']);
    expect(await cards().nth(1).getByTestId('layer-params').innerText()).toMatch(/390 params/); // 15·1·5·5 + 15
    await cards().nth(1).click();
    await byTestId('field-kernel').fill('3');
    await expect.poll(shapes).toEqual(['[1, 28, 28]', '[15, 26, 26]', '[15, 13, 13]', '[40, 9, 9]', '[40, 4, 4]', '[640]', '[300]', '[10]']);
    await byTestId('field-kernel').fill('29');
    await expect.poll(() => cards().nth(1).getByTestId('layer-error').innerText()).toMatch(/kernel/);
    await screenshot(page, 'designer-cnn');
    await byTestId('field-kernel').fill('5');
    await expect.poll(shapes).toEqual(['[1, 28, 28]', '[15, 24, 24]', '[15, 12, 12]', '[40, 8, 8]', '[40, 4, 4]', '[640]', '[300]', '[10]']);
    expect(await byTestId('layer-unsupported').count()).toBe(0);
  });

  it('shows a page of MNIST samples and the spike encoding of one of them', async () => {
    await byTestId('nav-datasets').click();
    await expect.poll(() => page.locator('[data-testid=dataset-row][data-name=mnist]').count(), eventually).toBe(1);
    await page.locator('[data-testid=dataset-row][data-name=mnist]').click();
    await expect.poll(() => byTestId('sample-thumb').count(), eventually).toBeGreaterThan(10);
    await byTestId('sample-thumb').first().click();
    await expect.poll(() => points('chart-encoding'), eventually).toBeGreaterThan(100);
    await screenshot(page, 'datasets');
  });

  it('refuses an upload that is not a dataset, saying why, and imports Fashion-MNIST uploaded as a folder', async () => {
    const rows = page.locator('[data-testid=dataset-row]');
    const before = await rows.count();
    await byTestId('dataset-import').click();
    await byTestId('import-format').selectOption('idx');
    await byTestId('import-name').fill('not-idx');
    // Fashion-MNIST's folder with its training images replaced by text.
    const broken = join(scratch, 'broken-idx');
    mkdirSync(broken);
    for (const file of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(FASHION_MNIST, file), join(broken, file));
    writeFileSync(join(broken, 'train-images-idx3-ubyte'), 'this is not an IDX file');
    const chooser = page.waitForEvent('filechooser');
    await byTestId('import-choose-folder').click();
    await (await chooser).setFiles(broken);
    await expect.poll(() => byTestId('import-source').innerText(), eventually).not.toMatch(/nothing chosen|waiting/);
    await byTestId('import-submit').click();
    await expect.poll(() => byTestId('import-error').innerText(), eventually).toMatch(/train-images-idx3-ubyte.*magic/);
    await screenshot(page, 'import-refused');
    expect(await rows.count()).toBe(before);

    await byTestId('import-name').fill('fashion');
    const folder = page.waitForEvent('filechooser');
    await byTestId('import-choose-folder').click();
    await (await folder).setFiles(FASHION_MNIST);
    await expect.poll(() => byTestId('import-source').innerText(), eventually).not.toMatch(/nothing chosen|waiting/);
    await byTestId('import-submit').click();
    await expect.poll(() => page.locator('[data-testid=dataset-row][data-name=fashion]').count(), eventually).toBe(1);
    expect(await page.locator('[data-testid=dataset-row][data-name=fashion]').innerText()).toContain('browser upload of fashion-mnist');
    await page.locator('[data-testid=dataset-row][data-name=fashion]').click();
    await expect.poll(() => byTestId('sample-thumb').count(), eventually).toBeGreaterThan(10);
    // Fashion-MNIST's first training image is an ankle boot (class 9).
    expect(await byTestId('sample-thumb').first().getAttribute('data-label')).toBe('9');
    await screenshot(page, 'datasets-fashion');
  });

  it('trains the designed network on an MNIST slice with live charts, and pauses and resumes it', async () => {
    await byTestId('nav-designer').click();
    await byTestId('saved-select').selectOption('browser-net'); // the network designed above
    await byTestId('confirm-ok').click(); // the CNN's kernel edits are not saved
    await expect.poll(() => cards().count()).toBe(4);
    await byTestId('designer-train').click();
    await byTestId('launch-dataset').selectOption({ label: 'mnist' });
    await byTestId('launch-epochs').fill('3');
    await byTestId('launch-steps').fill('8');
    await byTestId('launch-batch').fill('20');
    await byTestId('launch-limit').fill('12000'); // 600 batches an epoch: a pause lands well before the end
    await byTestId('launch-test-limit').fill('300');
    await byTestId('launch-seed').fill('7');
    await screenshot(page, 'launcher');
    await byTestId('launch-start').click();

    await expect.poll(() => points('chart-loss'), eventually).toBeGreaterThan(0);
    await byTestId('run-pause').click();
    await expect.poll(status, eventually).toBe('paused');
    // The loss chart plots each batch twice: raw and smoothed.
    const batches = async (): Promise<number> => (await points('chart-loss')) / 2;
    expect(await batches()).toBeLessThan(3 * 600); // paused before the end

    await byTestId('run-resume').click();
    await expect.poll(status, eventually).toBe('completed');
    await expect.poll(batches, eventually).toBe(3 * 600); // every batch once, no replayed duplicates
    expect(await points('chart-accuracy')).toBeGreaterThanOrEqual(3);
    // The input and every LIF layer of input-32-64-10 have a raster.
    await expect.poll(() => byTestId('raster-panel').count(), eventually).toBe(4);
    for (const chart of ['chart-rates', 'chart-raster-0', 'chart-raster-1', 'chart-raster-2', 'chart-raster-3', 'chart-membrane', 'chart-confusion']) {
      await expect.poll(() => points(chart), eventually).toBeGreaterThan(0);
    }
    expect(await byTestId('run-eta').innerText()).toBe('done');
    await screenshot(page, 'monitor');
    await byTestId('chart-raster-0').scrollIntoViewIfNeeded();
    await screenshot(page, 'monitor-probes');
  });

  it('compares two runs: overlaid curves and a table of settings with the differences marked', async () => {
    await byTestId('nav-runs').click();
    await byTestId('run-new').click();
    await byTestId('launch-dataset').selectOption({ label: 'mnist' });
    await byTestId('launch-spec').selectOption({ label: 'browser-net' });
    await byTestId('launch-epochs').fill('2');
    await byTestId('launch-steps').fill('4');
    await byTestId('launch-batch').fill('50');
    await byTestId('launch-limit').fill('1000');
    await byTestId('launch-test-limit').fill('200');
    await byTestId('launch-start').click();
    await expect.poll(status, eventually).toBe('completed');

    await byTestId('nav-runs').click();
    await expect.poll(() => byTestId('run-row').count(), eventually).toBe(2);
    await screenshot(page, 'runs');

    await byTestId('nav-compare').click();
    const picks = byTestId('compare-pick');
    await expect.poll(() => picks.count(), eventually).toBe(2);
    for (const pick of await picks.all()) if (!(await pick.isChecked())) await pick.check();
    await expect.poll(() => points('chart-compare-accuracy'), eventually).toBe(3 + 2); // test accuracy per epoch
    await expect.poll(() => points('chart-compare-loss'), eventually).toBeGreaterThan(0);
    const differs = byTestId('compare-table').locator('[data-differs=true]');
    const settings = await differs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-setting')));
    expect(settings).toEqual(expect.arrayContaining(['epochs', 'steps', 'batchSize']));
    await screenshot(page, 'compare');
  });

  it('saves charts as figures (PNG at 2×, SVG) and the tables, series and run as CSV and JSON', async () => {
    // Compare (open from the test above): its table as shown, and a figure of its chart.
    const tableRows = await byTestId('compare-table').locator('tbody tr').count();
    const compareCsv = await downloaded(() => byTestId('compare-export-csv').click());
    expect(compareCsv.name).toMatch(/^compare-runs-\d+-\d+\.csv$/);
    const compared = compareCsv.text.replace(/\r\n$/, '').split('\r\n');
    expect(compared[0]!.split(',')[0]).toBe('Setting');
    expect(compared).toHaveLength(1 + tableRows - 1); // header + every row but the "Results" separator
    expect(compared).toContain('Epochs,2,3');
    const compareSvg = await downloaded(async () => {
      await byTestId('chart-compare-accuracy-export').click();
      await byTestId('chart-compare-accuracy-export-svg').click();
    });
    expect(compareSvg.name).toBe(compareCsv.name.replace('.csv', '-accuracy.svg'));
    expect(compareSvg.text).toContain('>Test accuracy of the picked runs by epoch<');

    // The runs list as shown.
    await byTestId('nav-runs').click();
    const runsCsv = await downloaded(() => byTestId('runs-export-csv').click());
    expect(runsCsv.name).toBe('runs.csv');
    const listed = csvRows(runsCsv.text);
    expect(listed[0]!.slice(0, 5)).toEqual(['id', 'name', 'status', 'verdict', 'dataset']);
    expect(listed.slice(1).map((r) => [r[0], r[2]])).toEqual([['2', 'completed'], ['1', 'completed']]);

    // The first run's monitor: the loss chart as PNG (mouse) and SVG (keyboard).
    await page.locator('[data-testid=run-row][data-run-id="1"] [data-testid=run-open]').click();
    await expect.poll(() => points('chart-loss'), eventually).toBe(2 * 3 * 600);
    const css = await byTestId('chart-loss').locator('.canvas').evaluate((el) => ({ width: el.clientWidth, height: el.clientHeight }));
    const png = await downloaded(async () => {
      await byTestId('chart-loss-export').click();
      await byTestId('chart-loss-export-png').click();
    });
    expect(png.name).toBe('run-1-loss.png');
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const image = PNG.sync.read(png.bytes);
    expect(image.width).toBe(2 * css.width);
    expect(image.height).toBeGreaterThan(2 * css.height); // and the title above
    expect([...image.data.subarray(0, 4)]).toEqual([255, 255, 255, 255]); // the light panel, opaque
    let inked = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i]! < 200) inked++;
    expect(inked).toBeGreaterThan(2000); // text, axes and curves, not a blank image
    writeFileSync(join(SCREENSHOT_DIR, 'figure-run-1-loss.png'), png.bytes); // kept with the screenshots

    await byTestId('chart-loss-export').focus();
    await page.keyboard.press('Enter'); // opens on "PNG"
    await expect.poll(() => page.locator(':focus').getAttribute('data-testid')).toBe('chart-loss-export-png');
    await screenshot(page, 'chart-export-menu');
    const svg = await downloaded(async () => {
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
    });
    expect(svg.name).toBe('run-1-loss.svg');
    const parsed = await page.evaluate((text) => {
      // Runs in the page, with its XML parser (this file is typed without the DOM).
      type Node = { nodeName: string; textContent: string | null; getAttribute(name: string): string | null };
      type Parsed = { documentElement: Node; getElementsByTagName(name: string): ArrayLike<Node> & Iterable<Node> };
      const { DOMParser } = globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): Parsed } };
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        root: doc.documentElement.nodeName,
        errors: doc.getElementsByTagName('parsererror').length,
        texts: [...doc.getElementsByTagName('text')].map((t) => t.textContent),
        lines: [...doc.getElementsByTagName('path')].filter((p) => p.getAttribute('stroke') === '#3b82f6').length,
      };
    }, svg.text);
    expect(parsed).toMatchObject({ root: 'svg', errors: 0 });
    expect(parsed.texts).toEqual(expect.arrayContaining(['Training loss per batch', 'batch', 'loss', 'smoothed']));
    expect(parsed.texts.some((t) => / #1$/.test(t ?? ''))).toBe(true); // the subtitle: the run's name and id
    expect(parsed.lines).toBeGreaterThanOrEqual(2); // raw and smoothed loss

    // Its series and the run, the same bytes as the CLI writes.
    const download = async (item: string) => downloaded(async () => {
      await byTestId('run-download').click();
      await byTestId(item).click();
    });
    const epochs = await download('run-download-epochs-csv');
    expect(epochs.name).toBe('run-1-epochs.csv');
    expect(csvRows(epochs.text)[0]!.slice(0, 5)).toEqual(['epoch', 'step', 'train_loss', 'train_accuracy', 'test_accuracy']);
    expect(csvRows(epochs.text).slice(1).map((r) => r[0])).toEqual(['1', '2', '3']);
    expect(epochs.text).toBe(cliExport('1', '--csv'));
    const batches = await download('run-download-batches-csv');
    expect(batches.name).toBe('run-1-batches.csv');
    expect(csvRows(batches.text)).toHaveLength(1 + 3 * 600);
    expect(batches.text).toBe(cliExport('1', '--csv', '--batches'));
    const json = await download('run-download-json');
    expect(json.name).toBe('run-1.json');
    const saved = JSON.parse(json.text) as { run: { id: number; spec: { layers: unknown[] }; settings: { epochs: number } }; metrics: { epochs: unknown[]; batches: unknown[] } };
    expect(saved.run).toMatchObject({ id: 1, settings: { epochs: 3 } });
    expect(saved.run.spec.layers).toHaveLength(4);
    expect([saved.metrics.epochs.length, saved.metrics.batches.length]).toEqual([3, 1800]);
    expect(json.text).toBe(cliExport('1', '--json'));
  });

  it('logged no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
