// Reflow (WCAG 1.4.10): no page scrolls sideways at 320 CSS px — every
// public page in both languages and every staff page each role reaches,
// found by following the portal's own links, not from a list that could
// fall behind the routes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, demoEmail, DEMO_PASSWORD } from './harness.mjs';

import { createHash } from 'node:crypto';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A complaint filed through the API, as a petitioner's client would (the captcha's proof of work solved). */
async function fileComplaint() {
  const captcha = await (await fetch(`${server.address}/api/v1/captcha`)).json();
  const agencies = await (await fetch(`${server.address}/api/v1/agencies`)).json();
  let pow = 0;
  for (;; pow++) {
    const digest = createHash('sha256').update(`${captcha.pow.challenge}:${pow}`).digest();
    if (digest.readUInt32BE(0) >>> (32 - captcha.pow.bits) === 0) break;
  }
  const r = await fetch(`${server.address}/api/v1/petitions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'complaint', agency_id: agencies.find((a) => a.code === 'lj-jb-court').id, category: 'enforcement',
      title: '执行款迟迟未发放，执行法官长期不回复电话也不予答复任何书面申请',
      description: '执行款已到账三个月，法院一直未发放给申请人。', contact: { name: '王五', phone: '13900003333' },
      captcha_id: captcha.captcha_id, captcha_pow: String(pow),
    }),
  });
  assert.equal(r.status, 201);
  return r.json();
}

/** The page's sideways overflow at its current width, with the element that sticks out furthest; null when none. */
async function overflowOf(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    if (doc.scrollWidth <= doc.clientWidth + 1) return null;
    let widest = null;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > doc.clientWidth + 1 && (!widest || r.right > widest.right)) {
        widest = { tag: el.tagName, cls: el.className?.toString?.() ?? '', id: el.id, right: Math.round(r.right) };
      }
    }
    return { scrollWidth: doc.scrollWidth, widest };
  });
}

// Downloads and machine formats are not pages; logging out ends the crawl.
const notAPage = /\.(pdf|csv|json|xml|svg|png|jpe?g|txt|ics|pem|sig)(\?|$)|\/api\/|\/files\/|\/letter\.pdf|\/logout|\/healthz|\/open311|\/feed|\/export|download/;

/** What makes two URLs the same kind of page: numbers and ids replaced, queries reduced to their names. */
function shape(url) {
  const u = new URL(url);
  const path = u.pathname.replace(/[A-Z0-9]{4}-?[A-Z0-9]{5}-?[A-Z0-9]{5}/g, ':tn').replace(/\/\d+(?=\/|$)/g, '/:id');
  // Filters and sorts of a list are the same page; other queries (a queue, a scope) are not.
  const lists = /^\/(staff\/search|search|procedures|answers|cases)$/;
  const names = lists.test(path) ? '' : [...u.searchParams.keys()].filter((k) => !['page', 'sort', 'lang'].includes(k)).sort().join('&');
  return `${path}?${names}`;
}

/**
 * Follows the links from `seeds` that stay under `prefix`, at most `perShape`
 * pages of each shape and `max` in all, and returns the pages that scroll
 * sideways at 320 px.
 */
async function crawl(page, seeds, { prefix, exclude = /^$/, perShape = 2, max = 120 }) {
  const origin = server.address;
  const queue = [...seeds.map((s) => new URL(s, origin).href)];
  const seen = new Set();
  const shapes = new Map();
  const failures = [];
  let visited = 0;
  while (queue.length && visited < max) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const s = shape(url);
    if ((shapes.get(s) ?? 0) >= perShape) continue;
    shapes.set(s, (shapes.get(s) ?? 0) + 1);
    let response;
    try {
      response = await page.goto(url);
    } catch (e) {
      // A download (a key, a signed file) is not a page.
      if (/Download is starting/.test(e.message)) continue;
      throw e;
    }
    if (!response || !(response.headers()['content-type'] ?? '').includes('text/html')) continue;
    visited++;
    if (process.env.REFLOW_LOG) console.log(`reflow: ${url.replace(origin, '')}`);
    const overflow = await overflowOf(page);
    if (overflow) failures.push({ url: url.replace(origin, ''), ...overflow });
    // A table stacked into cards keeps each value's label.
    const unlabelled = await page.$$eval('table.table:not(.figures) tbody td:not([data-label])', (tds) => tds
      .filter((td) => td.textContent.trim() !== '' && getComputedStyle(td).display === 'block')
      .map((td) => td.closest('table').querySelector('caption')?.textContent.trim() || td.textContent.trim().slice(0, 30)));
    if (unlabelled.length) failures.push({ url: url.replace(origin, ''), unlabelled: [...new Set(unlabelled)].slice(0, 3) });
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
    for (const link of links) {
      const u = new URL(link);
      u.hash = '';
      if (u.origin !== origin || !u.pathname.startsWith(prefix) || notAPage.test(u.href) || exclude.test(u.pathname)) continue;
      if (!seen.has(u.href)) queue.push(u.href);
    }
  }
  return { failures, visited };
}

for (const lang of ['zh-CN', 'en']) {
  test(`every public page fits 320 px without scrolling sideways (${lang})`, async () => {
    const page = await newPage(browser, lang);
    await page.setViewportSize({ width: 320, height: 640 });
    const q = lang === 'en' ? '?lang=en' : '?lang=zh-CN';
    const seeds = ['/', '/petitions/new', '/help', '/privacy', '/agencies', '/answers', '/statistics', '/track', '/verify', '/procedures', '/cases',
      '/petitions/new?kind=complaint', '/petitions/new?kind=report', '/petitions/new?kind=litigation'].map((p) => p + (p.includes('?') ? q.replace('?', '&') : q));
    const { failures, visited } = await crawl(page, seeds, { prefix: '/', exclude: /^\/staff/, max: 90 });
    // A petitioner's own pages: the receipt's number opens the status page.
    const filed = await fileComplaint();
    await page.goto(`${server.address}/track${q}`);
    await page.locator('#tracking_number').fill(filed.tracking_number);
    await page.locator('#access_code').fill(filed.access_code);
    await page.locator('form[action="/track"] button[type=submit]').click();
    await page.locator('h1').first().waitFor();
    const status = await overflowOf(page);
    if (status) failures.push({ url: 'status page', ...status });
    await page.goto(`${server.address}/staff/login${q}`);
    const login = await overflowOf(page);
    if (login) failures.push({ url: '/staff/login', ...login });
    assert.ok(visited >= 20, `only ${visited} public pages reached`);
    assert.deepEqual(failures, [], `pages that scroll sideways at 320 px (${lang}):\n${JSON.stringify(failures, null, 2)}`);
    await page.context().close();
  });
}

// The auditor's pages are the supervisor's oversight pages without the
// forms, so four roles reach every staff page there is.
for (const [role, agency] of [['intake-clerk', 'lj-jb-court'], ['handler', 'lj-jb-court'], ['supervisor', 'jn-court'], ['admin', 'jn-court']]) {
  test(`every staff page a ${role} reaches fits 320 px, in both languages`, async () => {
    const page = await newPage(browser, 'zh-CN');
    await page.goto(`${server.address}/staff/login`);
    await page.getByLabel('电子邮箱').fill(demoEmail(role, agency));
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.setViewportSize({ width: 320, height: 640 });
    const seeds = ['/staff', '/staff/petitions?queue=all', '/staff/account', '/staff/search?q=执行'];
    for (const lang of ['zh-CN', 'en']) {
      const { failures, visited } = await crawl(page, seeds.map((s) => `${s}${s.includes('?') ? '&' : '?'}lang=${lang}`), { prefix: '/staff', perShape: 1, max: 60 });
      assert.ok(visited >= 4, `only ${visited} staff pages reached`);
      assert.deepEqual(failures, [], `${role}: staff pages that scroll sideways at 320 px (${lang}):\n${JSON.stringify(failures, null, 2)}`);
    }
    await page.context().close();
  });
}
