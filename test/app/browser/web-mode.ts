import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'stbp.mjs');
/** Screenshots of each view, kept by CI as artifacts. */
export const SCREENSHOT_DIR = join(root, 'test-artifacts', 'screenshots');

/** Debian's chromium (`.ci/run` installs it); CHROMIUM overrides. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface WebMode {
  url: string;
  home: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `stbp web` as a user starts it, on a fresh temporary store and a free port; resolves once it
 * prints its URL line. The store imports bundled MNIST on first start.
 */
export async function startWebMode(): Promise<WebMode> {
  const home = mkdtempSync(join(tmpdir(), 'stbp-web-'));
  const child = spawn(process.execPath, [bin, 'web', '--port', '0'], {
    env: { ...process.env, STBP_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /STBP Workbench \(web mode\): (http:\/\/\S+)/.exec(printed);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`stbp web exited with code ${code} before printing its URL:\n${printed}`));
    });
  });
  return {
    url,
    home,
    output: () => printed,
    stop: async () => {
      await stopProcess(child);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** SIGTERM (the server pauses live runs and exits), SIGKILL if it does not within 20 s. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The README's walk-through pictures (docs/screenshots/), committed. */
export const README_SCREENSHOT_DIR = join(root, 'docs', 'screenshots');

/**
 * A screenshot for the README: with STBP_README_SCREENSHOTS=1 it replaces the committed picture in
 * docs/screenshots/ (the viewport, not the whole page: a picture of what a user sees); otherwise
 * it goes with the other test screenshots, so test runs leave the committed ones alone.
 */
export async function readmeScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.STBP_README_SCREENSHOTS === '1' ? README_SCREENSHOT_DIR : SCREENSHOT_DIR;
  mkdirSync(dir, { recursive: true });
  // Notices of the moment ("Started run-1.") would cover the picture; they fade by themselves anyway.
  await page.locator('[data-testid=toast]').evaluateAll((toasts) => toasts.forEach((t) => ((t as unknown as { style: { visibility: string } }).style.visibility = 'hidden')));
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** Console errors and page errors, so a test can assert the app logged none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
