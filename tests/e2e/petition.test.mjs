import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, assertAccessible } from './harness.mjs';

// A 16×8 JPEG made with Pillow.
const PHOTO = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDgKKKK+eP2E//Z', 'base64');

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

test('an anonymous reporter files with a photo, prints the receipt and follows up', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/`);
  await page.getByRole('link', { name: '我要反映' }).click();
  await page.getByRole('heading', { level: 1, name: '我要反映' }).waitFor();
  await assertAccessible(page, 'choose a kind');
  await page.getByRole('link', { name: /举报/ }).first().click();
  await page.getByRole('heading', { level: 1, name: '提交举报之前' }).waitFor();
  await page.getByRole('link', { name: '开始填写' }).click();
  await page.getByRole('heading', { level: 1, name: '提交举报' }).waitFor();
  await assertAccessible(page, 'report form');

  await page.selectOption('#agency', 'unsure');
  await page.selectOption('#category', 'misconduct');
  await page.getByLabel('标题').fill('执法人员收受财物');
  await page.getByLabel('事实经过').fill('2026年11月某派出所民警在处理纠纷时收受一方当事人财物。');
  await page.getByLabel(/匿名举报/).check();
  await page.setInputFiles('#evidence', { name: '现场照片.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
  // The browser does the captcha's proof of work by itself (static/pow.js):
  // nothing to read or answer. Submitted at once, the form waits for it.
  await page.getByRole('button', { name: '提交' }).click();

  await page.getByRole('heading', { level: 1, name: '已收到您的反映' }).waitFor();
  await assertAccessible(page, 'receipt');
  const trackingNumber = (await page.locator('#tracking-number').innerText()).trim();
  const accessCode = (await page.locator('#access-code').innerText()).trim();
  assert.match(trackingNumber, /^MJ\d\d-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  assert.match(accessCode, /^([0-9A-Z]{4}-){3}[0-9A-Z]{4}$/);
  // A refresh shows the same receipt (post/redirect/get): nothing filed twice, the code not lost.
  await page.reload();
  assert.equal((await page.locator('#access-code').innerText()).trim(), accessCode);
  assert.ok(page.url().endsWith('/petitions/receipt'), page.url());
  // The receipt prints: header, navigation and footer drop away, the codes stay.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false);
  assert.equal(await page.locator('#access-code').isVisible(), true);
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 1000, 'a printable receipt');
  await page.emulateMedia({ media: 'screen' });

  await page.getByRole('link', { name: '前往查询页面' }).click();
  await page.getByRole('heading', { level: 1, name: '查询办理进度' }).waitFor();
  await assertAccessible(page, 'lookup');
  assert.equal(await page.getByLabel('信访编号').inputValue(), trackingNumber);
  await page.getByLabel('查询码').fill(accessCode);
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByRole('heading', { level: 1, name: '办理进度' }).waitFor();
  await page.getByText('现场照片.jpg').waitFor();
  await assertAccessible(page, 'status');

  await page.locator('#message').fill('补充：当事人愿意作证。');
  await page.getByRole('button', { name: '发送' }).click();
  await page.getByText('已收到您的补充内容').waitFor();
  await page.getByText('补充：当事人愿意作证。').waitFor();
  await assertAccessible(page, 'status after follow-up');
});

test('a bad form comes back accessible, with the input kept', async () => {
  const page = await newPage(browser, 'en');
  await page.goto(`${server.address}/petitions/new/litigation?lang=en`);
  await page.getByLabel('Title').fill('Judgment not enforced');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'There is a problem with what you entered' }).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), 'Judgment not enforced');
  // The title says there is an error, the focus is on the summary (a small
  // script; the page works without it), and the page says files must be chosen again.
  assert.match(await page.title(), /^Error: /);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('error-summary')), true);
  // No file was chosen, so nobody is asked to choose one again.
  assert.equal(await page.getByText('choose the files to upload again').count(), 0);
  // One summary, its problems in the form's order, each linking to its field.
  assert.equal(await page.getByText('There is a problem with what you entered').count(), 1, 'said once');
  const linked = await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(1)));
  const inForm = await page.evaluate((ids) => ids.slice().sort((a, b) => {
    const x = document.getElementById(a);
    const y = document.getElementById(b);
    return x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  }), linked);
  assert.ok(linked.length >= 2, linked.join());
  assert.deepEqual(linked, inForm, 'the summary follows the form');
  await page.getByLabel('What you ask for (optional)').waitFor();
  // A file over the limit is named at its field as soon as it is chosen, before any upload.
  await page.locator('#evidence').setInputFiles({ name: 'video-of-the-hearing.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(21 * 1024 * 1024) });
  await page.locator('#evidence-size').getByText('video-of-the-hearing.mp4: larger than 20 MB').waitFor();
  assert.equal(await page.locator('#evidence').evaluate((el) => el.validity.valid), false, 'the browser will not send it');
  await page.locator('#evidence').setInputFiles([]);
  await assertAccessible(page, 'litigation form with errors (en)');
  await page.goto(`${server.address}/cases?lang=en`);
  await assertAccessible(page, 'public cases (en)');
  await page.goto(`${server.address}/cases/lookup?lang=en`);
  await assertAccessible(page, 'case lookup (en)');
});

/** Presses Tab until the focused element satisfies `test(element, arg)`. */
async function tabTo(page, test, arg, max = 150) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(([source, a]) => new Function('el', 'arg', source)(document.activeElement, a), [test, arg])) return;
  }
  throw new Error(`Tab never reached ${arg}`);
}
const LINK = 'return el && el.tagName === "A" && el.textContent.includes(arg);';
const ID = 'return el && el.id === arg;';

test('by keyboard alone, from the home page to the receipt, with the routing notice', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/`);
  await tabTo(page, LINK, '我要举报');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '提交举报之前' }).waitFor();
  await assertAccessible(page, 'before you start (report)');
  await tabTo(page, LINK, '开始填写');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '提交举报' }).waitFor();
  // The agency list: "not sure" is the first choice after "choose one".
  await tabTo(page, ID, 'agency');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#agency').inputValue(), 'unsure');
  await tabTo(page, ID, 'category');
  await page.keyboard.press('ArrowDown');
  const category = await page.locator('#category').inputValue();
  assert.ok(category, 'a category chosen by keyboard');
  await tabTo(page, ID, 'title');
  await page.keyboard.type('键盘提交：执法人员索要财物');
  await tabTo(page, ID, 'description');
  await page.keyboard.type('2026年11月某日，执法人员在检查中索要财物，未出具任何手续。');
  await tabTo(page, ID, 'anonymous');
  await page.keyboard.press('Space');
  assert.ok(await page.locator('#anonymous').isChecked());
  // The submit button, by Enter: the proof of work finishes first if it must.
  await tabTo(page, 'return el && el.tagName === "BUTTON" && el.type === "submit" && el.textContent.includes(arg);', '提交');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '已收到您的反映' }).waitFor();
  // Where "not sure" sent it, and why.
  await page.locator('#routed-unsure').getByText('您选择了“不确定”', { exact: false }).waitFor();
  await assertAccessible(page, 'receipt after a keyboard-only filing');
  // The PDF receipt, from the same session.
  const pdf = await page.request.get(`${server.address}/petitions/receipt.pdf`);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  await page.setViewportSize({ width: 375, height: 800 });
  await assertAccessible(page, 'receipt with the routing notice (375 px)');
  await page.goto(`${server.address}/petitions/receipt?lang=en`);
  await page.locator('#routed-unsure').getByText('You chose "not sure"', { exact: false }).waitFor();
  await assertAccessible(page, 'receipt with the routing notice (en, 375 px)');
  assert.match((await page.locator('#access-code').innerText()).trim(), /^([0-9A-Z]{4}-){3}[0-9A-Z]{4}$/);
});
