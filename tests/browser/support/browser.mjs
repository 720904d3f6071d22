// Debian's chromium (/usr/bin/chromium) driven by playwright-core; playwright's own browser
// download does not work on these machines. The flags keep it off the network entirely.
// A browser that cannot start fails the test with what to do, never a silent skip.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

async function playwright() {
  try {
    return await import('playwright-core');
  } catch (e) {
    throw new Error(`playwright-core is not installed in tests/browser (run scripts/setup.sh, which runs npm ci there): ${e.message}`);
  }
}

// A fresh profile each time (launchPersistentContext on a new --user-data-dir).
export async function launch() {
  const { chromium } = await playwright();
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 }, acceptDownloads: true, timeout: 60_000,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium could not start from ${CHROMIUM} (install Debian's chromium package: scripts/setup.sh does): ${e.message}`);
  }
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// Every console error and uncaught exception of a page, to assert there were none.
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

// Screenshots for a person to look at: $SWITCHYARD_SCREENSHOTS (ctest sets it to
// build/dashboard-screenshots), else ./dashboard-screenshots.
export const screenshotDir = resolve(process.env.SWITCHYARD_SCREENSHOTS || 'dashboard-screenshots');
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}
