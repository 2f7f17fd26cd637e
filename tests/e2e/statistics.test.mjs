import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, assertAccessible } from './harness.mjs';

// The public results (执法公开): statistics with their method, the signed
// snapshots and the published answers, reached from every page's footer, in
// both languages, at desktop and phone widths, and without JavaScript.

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

test('a citizen finds the statistics from the footer, picks a scope and reads the method', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/procedures`);
  await page.getByRole('contentinfo').getByRole('link', { name: '信访办理统计' }).click();
  await page.getByRole('heading', { level: 1, name: /信访办理统计 · 全省/ }).waitFor();
  await assertAccessible(page, 'statistics (province)');
  // A few headline figures open the page, each as its table shows it.
  await page.getByRole('heading', { level: 2, name: /主要数据：全省/ }).waitFor();
  const received = (await page.locator('.headline-figure', { hasText: '收件数（含转入）' }).locator('.headline-value').innerText()).trim();
  const receivedRow = await page.getByRole('table', { name: /· 件数$/ }).getByRole('row').filter({ hasText: '收件数（含转入）' }).first().innerText();
  assert.ok(receivedRow.includes(received), `${received} vs ${receivedRow}`);
  // Each statutory clock with its limit and legal basis; the chart has its table.
  const clocks = page.getByRole('table', { name: /按期率/ });
  assert.match(await clocks.innerText(), /15日[\s\S]*《信访工作条例》/);
  assert.ok(await page.locator('svg[role="img"]').count() >= 1);
  await page.getByRole('table', { name: /最近12个月每月收件与答复/ }).waitFor();
  const parts = await page.getByRole('table', { name: /分项/ }).getByRole('row').allTextContents();
  assert.ok(parts.some((r) => r.includes('人民法院')), parts.join(' | '));

  await page.getByLabel('范围').selectOption({ label: '人民法院' });
  await page.getByRole('button', { name: '显示' }).click();
  await page.getByRole('heading', { level: 1, name: /信访办理统计 · 人民法院/ }).waitFor();
  const courts = await page.getByRole('table', { name: /分项/ }).getByRole('row').allTextContents();
  assert.ok(courts.some((r) => r.includes('江北区人民法院')), courts.join(' | '));
  await assertAccessible(page, 'statistics (courts)');

  await page.getByRole('link', { name: '每个数字怎么算' }).click();
  await page.getByRole('heading', { level: 1, name: '统计口径' }).waitFor();
  await page.getByText(/少于5件的数字显示为/).waitFor();
  await assertAccessible(page, 'statistics method');

  // English, and a phone's width.
  const en = await newPage(browser, 'en-GB');
  await en.setViewportSize({ width: 375, height: 800 });
  await en.goto(`${server.address}/statistics?lang=en`);
  await en.getByRole('heading', { level: 1, name: /Petition statistics · Whole province/ }).waitFor();
  await assertAccessible(en, 'statistics (en, 375 px)');
  const overflow = await en.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page fits a phone's width (overflow ${overflow} px)`);
  await en.goto(`${server.address}/statistics/method?lang=en`);
  await en.getByRole('heading', { level: 1, name: 'How the statistics are computed' }).waitFor();
  await assertAccessible(en, 'statistics method (en)');
});

test('the statistics work without JavaScript', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.address}/statistics`);
  await page.getByLabel('期间').selectOption({ index: 1 });
  await page.getByLabel('范围').selectOption({ label: '人民检察院' });
  await page.getByRole('button', { name: '显示' }).click();
  await page.getByRole('heading', { level: 1, name: /人民检察院/ }).waitFor();
  assert.match(page.url(), /scope=type%3Aprocuratorate/);
  await context.close();
});

test('the day\'s signed snapshot is listed with how to check it', async () => {
  const page = await newPage(browser, 'zh-CN');
  // The worker makes the day's snapshot soon after the server starts.
  for (let i = 0; i < 30; i++) {
    await page.goto(`${server.address}/statistics/snapshots`);
    if (await page.getByRole('table', { name: /快照/ }).count()) break;
    await page.waitForTimeout(1000);
  }
  const rows = await page.getByRole('table', { name: /快照/ }).getByRole('row').allTextContents();
  assert.ok(rows.length >= 2 && /\.json/.test(rows[1]), rows.join(' | '));
  await page.getByText('openssl pkeyutl -verify').waitFor();
  await assertAccessible(page, 'snapshots');
  const file = await page.request.get(`${server.address}/statistics/snapshots/key.pem`);
  assert.match(await file.text(), /BEGIN PUBLIC KEY/);
  await page.goto(`${server.address}/statistics/snapshots?lang=en`);
  await page.getByRole('heading', { level: 1, name: 'Daily statistics snapshots' }).waitFor();
  await assertAccessible(page, 'snapshots (en)');
});

test('a citizen browses the published answers, filtered, and opens one', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/`);
  await page.getByRole('contentinfo').getByRole('link', { name: '答复公开' }).click();
  await page.getByRole('heading', { level: 1, name: '答复公开' }).waitFor();
  await assertAccessible(page, 'answers');
  await page.getByLabel('事项类型').selectOption({ label: '投诉' });
  await page.getByRole('button', { name: '显示' }).click();
  await page.getByRole('heading', { level: 1, name: '答复公开' }).waitFor();
  const badges = await page.locator('main .result-list .badge').allTextContents();
  assert.ok(badges.length > 0 && badges.every((b) => b === '投诉'), badges.join(','));
  await page.locator('main .result-list a').first().click();
  await page.getByRole('heading', { level: 2, name: '答复内容' }).waitFor();
  await page.goto(`${server.address}/answers?lang=en`);
  await page.getByRole('heading', { level: 1, name: 'Published answers' }).waitFor();
  await assertAccessible(page, 'answers (en)');
});
