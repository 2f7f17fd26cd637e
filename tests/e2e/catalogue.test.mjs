import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, demoEmail, DEMO_PASSWORD, assertAccessible } from './harness.mjs';

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

test('a citizen browses procedures in Chinese, down to an older version', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await assertAccessible(page, 'home (zh)');

  // Keyboard first: the first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#main');

  await page.getByRole('link', { name: /^人民法院/ }).first().click();
  await page.waitForURL(/agency_type=court/);
  await assertAccessible(page, 'procedures list filtered (zh)');
  await page.selectOption('#category', 'compensation');
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForURL(/category=compensation/);
  await page.getByRole('link', { name: /申请国家赔偿/ }).click();
  await page.getByRole('heading', { level: 1, name: /申请国家赔偿/ }).waitFor();
  for (const heading of ['法律依据', '办理步骤', '办理时限', '所需材料', '收费标准', '救济途径']) {
    await page.getByRole('heading', { level: 2, name: heading }).waitFor();
  }
  await assertAccessible(page, 'procedure detail (zh)');

  await page.getByRole('link', { name: '查看历史版本' }).click();
  await page.getByRole('heading', { level: 1, name: '版本历史' }).waitFor();
  await assertAccessible(page, 'version history (zh)');
  await page.getByRole('link', { name: '第 1 版' }).click();
  await page.getByText('历史版本').first().waitFor();
  await assertAccessible(page, 'old version (zh)');

  // A procedure published twice: where to go, what version 2 changed, and
  // a complaint about it starts with the agency and the procedure filled in.
  await page.goto(`${server.address}/procedures?q=${encodeURIComponent('治安管理处罚')}`);
  await page.getByRole('link', { name: /治安管理处罚程序/ }).first().click();
  await page.getByRole('heading', { level: 2, name: '在哪里办理' }).waitFor();
  await page.getByRole('link', { name: '查看历史版本' }).click();
  await page.getByRole('link', { name: '第 2 版改了什么' }).click();
  await page.getByRole('heading', { level: 1, name: '第 2 版修订对照' }).waitFor();
  await page.locator('.diff del').first().waitFor();
  await page.locator('.diff ins').first().waitFor();
  const changesUrl = page.url();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await assertAccessible(page, `version changes (zh, ${width} px)`);
    await page.goto(`${changesUrl}?lang=en`);
    await page.getByRole('heading', { level: 1, name: 'Changes in version 2' }).waitFor();
    await assertAccessible(page, `version changes (en, ${width} px)`);
    await page.goto(`${changesUrl}?lang=zh-CN`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('link', { name: /治安管理处罚程序/ }).first().click();
  await page.getByRole('link', { name: '就本事项投诉' }).click();
  await page.getByRole('heading', { level: 1, name: '提交投诉' }).waitFor();
  assert.ok((await page.locator('#agency').inputValue()) !== '', 'the agency is chosen');
  assert.match(await page.locator('#subject').inputValue(), /治安管理处罚程序/);
});

test('a citizen switches to English and searches', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/`);
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Open enforcement, clear procedures' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await assertAccessible(page, 'home (en)');
  await page.getByLabel('Search procedures').fill('legal aid');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'Applying for legal aid' }).click();
  await page.getByRole('heading', { level: 2, name: 'Legal basis' }).waitFor();
  // The details are in Chinese: the page says so at the top, before any of them.
  const first = await page.evaluate(() => {
    const note = document.getElementById('chinese-authoritative');
    const h2 = document.querySelector('main h2');
    return note && h2 && (note.compareDocumentPosition(h2) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  });
  assert.ok(first, 'the note that Chinese is authoritative comes before the details');
  await assertAccessible(page, 'procedure detail (en)');
  await page.goto(`${server.address}/procedures`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is remembered');
  await assertAccessible(page, 'procedures list (en)');
  await page.goto(`${server.address}/procedures/99999`);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  await assertAccessible(page, '404 (en)');
});

test('a supervisor logs in, meets a form error, and publishes a new version', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/staff`);
  await page.waitForURL(/\/staff\/login/);
  await assertAccessible(page, 'login (zh)');
  await page.getByLabel('电子邮箱').fill(demoEmail('supervisor', 'lj-justice'));
  await page.getByLabel('密码').fill('wrong password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('邮箱或密码不正确').waitFor();
  await assertAccessible(page, 'login failed (zh)');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  // Login lands on the day's work; the procedures are one link away.
  await page.getByRole('heading', { level: 1, name: '工作台' }).waitFor();
  await page.getByRole('link', { name: '办事指南管理', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: '办事指南管理' }).waitFor();
  await assertAccessible(page, 'console (zh)');

  await page.getByRole('link', { name: /^修改 法律援助申请/ }).click();
  await page.getByRole('heading', { level: 1, name: '修改办事指南' }).waitFor();
  await assertAccessible(page, 'editor (zh)');
  await page.getByLabel('办理步骤').fill('');
  await page.getByRole('button', { name: '发布' }).click();
  await page.getByRole('heading', { name: '提交的内容有问题，请修改后重新提交' }).waitFor();
  await assertAccessible(page, 'editor with errors (zh)');
  await page.getByLabel('办理步骤').fill('提出申请\n审查\n指派律师');
  await page.getByLabel('修改说明（可选）').fill('精简步骤');
  await page.getByRole('button', { name: '发布' }).click();
  await page.getByText('新版本已发布').waitFor();

  await page.goto(`${server.address}/procedures?q=${encodeURIComponent('法律援助申请')}`);
  await page.getByRole('link', { name: '法律援助申请' }).click();
  await page.getByText('指派律师').waitFor();
  await page.getByText('第 2 版').waitFor();

  await page.goto(`${server.address}/staff/procedures?lang=en`);
  await page.getByRole('heading', { level: 1, name: 'Manage procedures' }).waitFor();
  await assertAccessible(page, 'console (en)');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.address}/`);
});

test('a citizen searches the whole site from any page and narrows the results', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/procedures`);
  // The header's search box, by keyboard.
  await page.getByRole('searchbox', { name: '搜索内容' }).fill('国家赔偿');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/search\?q=/);
  // The demo data is indexed within moments of the start; wait for it if needed.
  const first = page.getByRole('link', { name: /申请国家赔偿（刑事赔偿/ });
  for (let i = 0; i < 40 && (await first.count()) === 0; i++) {
    await new Promise((r) => setTimeout(r, 250));
    await page.reload();
  }
  await first.waitFor();
  assert.ok((await page.locator('mark', { hasText: '国家赔偿' }).count()) > 0, 'matches are highlighted');
  await assertAccessible(page, 'search results (zh)');
  await page.getByRole('complementary').getByRole('link', { name: /公开答复/ }).click();
  await page.waitForURL(/type=answers/);
  await page.getByRole('link', { name: '申请国家赔偿后未收到决定书' }).click();
  await page.getByRole('heading', { level: 1, name: '申请国家赔偿后未收到决定书' }).waitFor();
  await assertAccessible(page, 'published answer (zh)');

  await page.goto(`${server.address}/search?q=${encodeURIComponent('state compensation')}&lang=en`);
  await page.getByRole('link', { name: /Applying for state compensation/ }).waitFor();
  await assertAccessible(page, 'search results (en)');
  await page.goto(`${server.address}/search?q=xyzzy&lang=en`);
  await page.getByText('Nothing matches.').waitFor();
  await assertAccessible(page, 'search, nothing found (en)');
});

test('help, privacy, accessibility, agency contacts, terms and the before-you-start pages, from the footer and the home page, at 1280 and 375 px in both languages', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/`);
  // The home page's first screen offers the tasks, and 110 for emergencies.
  for (const task of ['我要投诉', '我要举报', '涉法涉诉信访', '查询进度', '办事指南']) {
    await page.getByRole('link', { name: new RegExp(`^${task}`) }).first().waitFor();
  }
  await page.getByText('请立即拨打 110').waitFor();
  await page.setViewportSize({ width: 375, height: 800 });
  await assertAccessible(page, 'home with tasks (375 px)');
  await page.setViewportSize({ width: 1280, height: 800 });
  // A task starts with what to have ready and when the answer comes, then the form.
  await page.getByRole('link', { name: /^我要投诉/ }).click();
  await page.getByRole('heading', { level: 1, name: '提交投诉之前' }).waitFor();
  assert.ok(page.url().endsWith('/petitions/start/complaint'), page.url());
  await page.getByText('《信访工作条例》（2022年）：信访事项应当自受理之日起60日内办结', { exact: false }).first().waitFor();
  await page.getByRole('link', { name: '开始填写' }).click();
  await page.getByRole('heading', { level: 1, name: '提交投诉' }).waitFor();
  // The contact directory and the terms, from the footer.
  await page.goto(`${server.address}/`);
  await page.getByRole('contentinfo').getByRole('link', { name: '机关联系方式' }).click();
  await page.getByRole('heading', { level: 1, name: '机关联系方式' }).waitFor();
  await page.getByRole('heading', { level: 3, name: '临江市江北区人民法院' }).waitFor();
  await page.getByRole('link', { name: /^12368/ }).first().waitFor();
  await page.goto(`${server.address}/`);
  await page.getByRole('contentinfo').getByRole('link', { name: '使用须知' }).click();
  await page.getByRole('heading', { level: 1, name: '使用须知' }).waitFor();
  await page.goto(`${server.address}/`);
  await page.getByRole('contentinfo').getByRole('link', { name: '隐私政策' }).click();
  await page.getByRole('heading', { level: 1, name: '隐私政策' }).waitFor();
  // The retention section is the schedule the portal runs.
  await page.getByRole('table', { name: '保存期限' }).waitFor();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    for (const lang of ['zh-CN', 'en']) {
      for (const path of ['/help', '/privacy', '/accessibility', '/agencies', '/terms',
        '/petitions/start/complaint', '/petitions/start/report', '/petitions/start/litigation']) {
        await page.goto(`${server.address}${path}?lang=${lang}`);
        await assertAccessible(page, `${path} (${lang}, ${width} px)`);
      }
    }
  }
});
