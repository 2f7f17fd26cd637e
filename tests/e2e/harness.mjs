// Starts the real `mingjing` binary on demo data and drives Debian's Chromium
// (never a downloaded browser) through playwright-core; checks pages with axe-core.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const DEMO_PASSWORD = 'mingjing-demo-2026';
export const demoEmail = (role, agency) => `${role}@${agency}.demo.mingjing.example`;

// The demo accounts have no second factor; the tests of the second factor
// set `extraEnv` to require it.
export async function startServer(extraEnv = { MINGJING_SECOND_FACTOR: 'none' }) {
  const bin = process.env.MINGJING_BIN ?? join(here, '..', '..', 'target', 'debug', 'mingjing');
  const dir = mkdtempSync(join(tmpdir(), 'mingjing-e2e-'));
  const env = { ...process.env, MINGJING_BIND: '127.0.0.1:0', MINGJING_DATA_DIR: join(dir, 'data'), ...extraEnv };
  delete env.MINGJING_DATABASE_URL;
  const child = spawn(bin, ['serve', '--demo'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mingjing did not start within 60 s')), 60_000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = line.match(/^Mingjing is serving on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mingjing exited with ${code} before serving`));
    });
  });
  return { address, stop: () => new Promise((r) => { child.on('exit', r); child.kill('SIGTERM'); }) };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** A browser context; `bypassCSP` only so axe can be injected into our strict-CSP pages. */
export async function newPage(browser, locale = 'zh-CN') {
  const context = await browser.newContext({ locale, bypassCSP: true, javaScriptEnabled: true });
  return context.newPage();
}

/** Runs axe-core with the WCAG 2.0/2.1/2.2 A and AA rules; returns the violations. */
export async function axeViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
  });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}

/** Fails the test with every axe-core violation on the page, named by `label`. */
export async function assertAccessible(page, label) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${label}: axe-core found violations:\n${JSON.stringify(violations, null, 2)}`);
}

/** Fails when the page scrolls sideways (wider than the viewport), naming the widest element. */
export async function assertNoSidewaysScroll(page, label) {
  const overflow = await page.evaluate(() => {
    const doc = document.documentElement;
    if (doc.scrollWidth <= doc.clientWidth + 1) return null;
    let widest = null;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > doc.clientWidth + 1 && (!widest || r.right > widest.right)) {
        widest = { tag: el.tagName, cls: el.className?.toString?.() ?? '', right: Math.round(r.right) };
      }
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, widest };
  });
  assert.equal(overflow, null, `${label}: the page scrolls sideways: ${JSON.stringify(overflow)}`);
}
