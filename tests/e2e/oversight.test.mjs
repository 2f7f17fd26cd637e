import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, demoEmail, DEMO_PASSWORD, assertAccessible, assertNoSidewaysScroll } from './harness.mjs';

// The demo holds a year of handling seeded through the real workflow, so the
// oversight console, the evaluation, the records and last month's bulletins
// all have something to show.

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

async function logIn(page, role, agency) {
  await page.goto(`${server.address}/staff/login`);
  await page.getByLabel('电子邮箱').fill(demoEmail(role, agency));
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

test('the province sees every level; a count leads to its list and a petition, read only', async () => {
  const page = await newPage(browser, 'zh-CN');
  await logIn(page, 'auditor', 'jn-court');
  await page.getByRole('navigation').getByRole('link', { name: '执法监督' }).click();
  await page.getByRole('heading', { level: 1, name: /执法监督/ }).waitFor();
  await assertAccessible(page, 'oversight (province)');
  const now = page.getByRole('table', { name: /各单位当前办理情况/ });
  const rows = await now.getByRole('row').allTextContents();
  assert.ok(rows.some((r) => r.includes('江北')), `a county court is listed: ${rows.join(' | ')}`);
  assert.ok(rows.some((r) => r.includes('南溪')), 'and its neighbour');
  // The trend charts are images with a text alternative and their table.
  assert.ok(await page.locator('svg[role="img"]').count() >= 2);
  await page.getByRole('table', { name: /近12个月每月收件/ }).waitFor();

  // Any linked count opens the list behind it; its first row the petition.
  const count = now.locator('td a').first();
  await count.click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await assertAccessible(page, 'oversight list');
  const petition = page.locator('main table a').first();
  if (await petition.count()) {
    await petition.click();
    await page.getByText('这是监督查看页面').waitFor();
    assert.equal(await page.getByRole('button', { name: '受理', exact: true }).count(), 0, 'no acts from oversight');
    await assertAccessible(page, 'oversight petition');
  }

  await page.goto(`${server.address}/staff/evaluation`);
  await page.getByRole('heading', { level: 1, name: '执法质量和效率考评' }).waitFor();
  await assertAccessible(page, 'evaluation');
  await page.getByRole('link', { name: '查看考评办法' }).click();
  await page.getByRole('heading', { level: 1, name: '考评办法' }).waitFor();
  await assertAccessible(page, 'evaluation method');
  await page.context().close();
});

test('the oversight page works without JavaScript and in English', async () => {
  const context = await browser.newContext({ locale: 'en', javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.address}/staff/login?lang=en`);
  await page.getByLabel('Email address').fill(demoEmail('supervisor', 'lj-jb-court'));
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto(`${server.address}/staff/oversight?lang=en`);
  await page.getByRole('heading', { level: 1, name: /Oversight/ }).waitFor();
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('Nanxi'), 'a county sees no other county');
  assert.ok(await page.locator('svg[role="img"]').count() >= 2, 'charts are drawn on the server');
  await context.close();
});

test("an officer reads their own record by keyboard and can download it", async () => {
  const page = await newPage(browser, 'zh-CN');
  await logIn(page, 'handler', 'lj-jb-court');
  const link = page.getByRole('navigation').getByRole('link', { name: '我的执法档案' });
  await link.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /执法档案/ }).waitFor();
  await assertAccessible(page, 'officer record');
  await page.getByRole('table', { name: /考评指标/ }).first().waitFor();
  const csv = page.getByRole('link', { name: '下载本期间执法档案（CSV）' });
  const href = await csv.getAttribute('href');
  const cookies = await page.context().cookies();
  const r = await fetch(`${server.address}${href}`, {
    headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  await page.context().close();
});

test("last month's bulletin is kept and readable by the agency's supervisor", async () => {
  const page = await newPage(browser, 'zh-CN');
  await logIn(page, 'supervisor', 'lj-jb-court');
  // The worker makes the bulletins on the first working day; on a fresh demo
  // that is within moments of the start.
  let link;
  for (let i = 0; i < 60; i++) {
    await page.goto(`${server.address}/staff/bulletins`);
    link = page.locator('main ul a').first();
    if (await link.count()) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await assertAccessible(page, 'bulletins');
  assert.ok(await link.count(), 'a bulletin is listed');
  await link.click();
  await page.getByRole('heading', { level: 1, name: /执法情况通报/ }).waitFor();
  await page.getByRole('table', { name: /对比/ }).waitFor();
  await assertAccessible(page, 'bulletin');
  await page.context().close();
});

test('a leader finds the problems first, issues a supervision order, reads the ranking, and every page fits 320 px', async () => {
  const page = await newPage(browser, 'zh-CN');
  await logIn(page, 'supervisor', 'jn-court');
  await page.goto(`${server.address}/staff/oversight`);
  await page.getByRole('heading', { level: 2, name: '监督提示' }).waitFor();
  // The exceptions come before the grid, each row naming agency and handler.
  const list = page.getByRole('table', { name: /需要关注的信访事项/ });
  await list.waitFor();
  const headers = await list.getByRole('columnheader').allTextContents();
  assert.deepEqual(headers, ['问题', '信访事项', '办理机关', '承办人', '时长']);
  // The ranking of the bodies below, last month, with its method.
  await page.getByRole('table', { name: /下级单位排名/ }).waitFor();
  await page.getByRole('link', { name: /查看全部/ }).click();
  await page.getByRole('heading', { level: 1, name: /监督提示/ }).waitFor();
  const pages = [['exceptions', page.url()]];
  // A county's petition, read by the province: issue a supervision order on it.
  const petition = page.locator('main table a[href^="/staff/oversight/petitions/"]').first();
  await petition.click();
  await page.getByRole('heading', { level: 3, name: '下达督办单' }).waitFor();
  pages.push(['oversight petition', page.url()]);
  await page.getByRole('button', { name: '下达督办单' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.locator('#instructions-error').innerText(), /必填/);
  await page.getByLabel('督办要求').fill('请于期限内办结并书面答复信访人，说明超期原因。');
  await page.getByRole('button', { name: '下达督办单' }).click();
  await page.getByRole('heading', { level: 1, name: /督办单第 \d+ 号/ }).waitFor();
  await page.getByText('督办单已下达').waitFor();
  pages.push(['order', page.url()]);
  // 督办积案: the overdue list of a body below carries an order on its whole backlog.
  await page.goto(`${server.address}/staff/oversight`);
  const overdueLists = await page.locator('main a[href*="what=overdue"]').evaluateAll(
    (links) => [...new Set(links.map((a) => a.href))]);
  let backlog = null;
  for (const href of overdueLists) {
    await page.goto(href);
    if (await page.getByRole('heading', { level: 2, name: '下达督办单' }).count() > 0) {
      backlog = href;
      break;
    }
  }
  assert.ok(backlog, `no overdue list of a body below offers a backlog order among ${overdueLists.length}`);
  pages.push(['backlog list', backlog]);
  await page.getByLabel('督办要求').fill('请十日内清理超期积案，逐件写明原因和责任人。');
  await page.getByRole('button', { name: '下达督办单' }).click();
  await page.getByRole('heading', { level: 1, name: /督办单第 \d+ 号/ }).waitFor();
  await page.getByRole('link', { name: '超期积案' }).waitFor();
  await page.getByRole('navigation').getByRole('link', { name: '督办', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: '督办' }).waitFor();
  pages.push(['orders', page.url()]);
  pages.push(['oversight', `${server.address}/staff/oversight`]);
  pages.push(['evaluation', `${server.address}/staff/evaluation`]);
  pages.push(['ranking', `${server.address}/staff/oversight/ranking`]);
  pages.push(['evaluation method', `${server.address}/staff/evaluation/method`]);
  for (const [label, url] of pages) {
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(url);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await assertAccessible(page, `${label} (${width} px)`);
      await assertNoSidewaysScroll(page, `${label} (${width} px)`);
    }
  }
  await page.context().close();
});
