import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, launchBrowser, newPage, demoEmail, DEMO_PASSWORD, assertAccessible, assertNoSidewaysScroll } from './harness.mjs';

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

/** The captcha's proof of work, as an API client does it. */
function solvePow({ challenge, bits }) {
  for (let n = 0; ; n++) {
    const digest = createHash('sha256').update(`${challenge}:${n}`).digest();
    if (digest.readUInt32BE(0) >>> (32 - bits) === 0) return String(n);
  }
}

async function fileComplaint(phone = '13900001111') {
  const captcha = await (await fetch(`${server.address}/api/v1/captcha`)).json();
  const agencies = await (await fetch(`${server.address}/api/v1/agencies`)).json();
  const agency = agencies.find((a) => a.code === 'lj-jb-court');
  const r = await fetch(`${server.address}/api/v1/petitions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'complaint', agency_id: agency.id, category: 'enforcement', title: '执行款迟迟未发放',
      description: '执行款已到账三个月，法院一直未发放给申请人。', contact: { name: '王五', phone },
      captcha_id: captcha.captcha_id, captcha_pow: solvePow(captcha.pow),
    }),
  });
  assert.equal(r.status, 201);
  return r.json();
}

// The tracking number as printed on receipts and shown in the console.
const printed = (tn) => tn.replace(/^(.{4})(.{5})(.{5})$/, '$1-$2-$3');

async function asStaff(role, fn) {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/staff/login`);
  await page.getByLabel('电子邮箱').fill(demoEmail(role, 'lj-jb-court'));
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await fn(page);
  await page.context().close();
}

test('clerk accepts, supervisor assigns, handler drafts, supervisor approves, petitioner rates', async () => {
  const { tracking_number: tn, access_code: code } = await fileComplaint();
  const shown = printed(tn);

  await asStaff('intake-clerk', async (page) => {
    await page.goto(`${server.address}/staff/petitions?queue=new`);
    await assertAccessible(page, 'queue: new');
    await page.getByRole('link', { name: shown }).click();
    await page.getByRole('heading', { level: 1, name: '执行款迟迟未发放' }).waitFor();
    await assertAccessible(page, 'petition (clerk)');
    await page.getByRole('button', { name: '受理', exact: true }).click();
    await page.getByText('已受理。信访人将收到受理告知。').waitFor();
  });

  await asStaff('supervisor', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${tn}`);
    await page.getByRole('button', { name: '交办承办人' }).click();
    await page.getByText(/^已交办给.+（承办人）。$/).waitFor();
    await assertAccessible(page, 'petition (supervisor)');
  });

  await asStaff('handler', async (page) => {
    await page.goto(`${server.address}/staff/petitions?queue=mine`);
    await assertAccessible(page, 'queue: mine');
    await page.getByRole('link', { name: shown }).click();
    // The next step is the draft; the other actions are folded away.
    await page.locator('summary', { hasText: '记录调查情况' }).click();
    await page.getByLabel('调查记录（内部）').fill('已与执行法官核实，执行款已到账。');
    await page.getByRole('button', { name: '记录调查情况' }).click();
    await page.getByText('调查情况已记录（仅内部可见）。').waitFor();
    await page.locator('#draft-text').fill('经调查核实，执行款将于五个工作日内发放。');
    await page.locator('#draft-citation').fill('《最高人民法院关于执行款物管理工作的规定》');
    await page.getByRole('button', { name: '起草答复意见' }).click();
    await page.getByText('答复意见已提交审批。').waitFor();
    await assertAccessible(page, 'petition (handler, drafted)');
  });

  await asStaff('supervisor', async (page) => {
    await page.goto(`${server.address}/staff/petitions?queue=approval`);
    await assertAccessible(page, 'queue: approval');
    await page.getByRole('link', { name: shown }).click();
    await page.getByRole('button', { name: '审批通过并答复' }).click();
    // An approval asks first.
    await page.getByRole('heading', { level: 1, name: '确认审批通过' }).waitFor();
    await assertAccessible(page, 'confirm approval');
    await page.getByRole('button', { name: '确认：审批通过并答复' }).click();
    await page.getByText('已审批通过，答复已发送给信访人。').waitFor();
    // 答复公开: the form starts from a redacted text; publishing it is one button.
    await assertAccessible(page, 'petition (supervisor, answered, publish form)');
    await page.getByRole('button', { name: '公开', exact: true }).click();
    await page.getByText('本答复已公开').waitFor();
    await page.goto(`${server.address}/staff/search?q=${encodeURIComponent('执行款')}`);
    await page.getByRole('heading', { level: 1, name: '信访件检索' }).waitFor();
    await assertAccessible(page, 'staff search');
  });

  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${server.address}/track`);
  await page.getByLabel('信访编号').fill(tn);
  await page.getByLabel('查询码').fill(code);
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByText('执行款将于五个工作日内发放').first().waitFor();
  assert.equal(await page.getByText('已与执行法官核实').count(), 0, 'internal notes stay internal');
  await assertAccessible(page, 'status with answer');
  // The decision comes first: the answer, its letter and what the petitioner can do next, then the history.
  const order = await page.evaluate(() => [...document.querySelectorAll('#decision-h, #stages-h, .timeline')].map((e) => e.id || e.className));
  assert.deepEqual(order, ['decision-h', 'stages-h', 'timeline'], 'the decision leads the page');
  await page.locator('section.decision').getByText('执行款将于五个工作日内发放').waitFor();
  await page.locator('#review-by').getByText(/前申请复查，由上一级机关办理/).waitFor();
  // An empty review reason is refused at the review form, not elsewhere.
  await page.locator('#review-form').getByRole('button', { name: '申请复查' }).click();
  await page.locator('#review-form .field-error').waitFor();
  await assertAccessible(page, 'status: review reason missing');
  // A rating is chosen, then confirmed on a page that says it is final and asks why.
  await page.getByRole('button', { name: '下一步：确认评价' }).click();
  await page.locator('#rate-form .field-error').getByText('请选择一项评价。').waitFor();
  await page.getByLabel('基本满意').check();
  await page.getByRole('button', { name: '下一步：确认评价' }).click();
  await page.getByRole('heading', { level: 1, name: '确认您的评价' }).waitFor();
  await page.getByText('评价一经确认不能更改').waitFor();
  await assertAccessible(page, 'confirm rating');
  await page.getByLabel('请告诉我们原因（选填）').fill('发放时间比承诺的晚了两天。');
  await page.getByRole('button', { name: '确认：基本满意' }).click();
  await page.getByText('感谢您的评价，已记录。').waitFor();
  await page.getByText('您对本次答复的评价：基本满意').waitFor();
  assert.equal(await page.getByLabel('满意', { exact: true }).count(), 0, 'one rating per answer');
  await assertAccessible(page, 'status after rating');
  // The reason reaches the agency.
  await asStaff('supervisor', async (staffPage) => {
    await staffPage.goto(`${server.address}/staff/petitions/${tn}`);
    await staffPage.locator('.timeline').getByText('发放时间比承诺的晚了两天。').waitFor();
  });

  // The acceptance notice issued on the way (执法告知): listed with the
  // answer, readable and printable, at 1280 and 320 px.
  await page.getByRole('link', { name: '查看信访事项受理告知书' }).click();
  await page.getByRole('heading', { level: 1, name: '信访事项受理告知书' }).waitFor();
  await page.getByText('受理，是指').waitFor();
  for (const width of [1280, 320]) {
    await page.setViewportSize({ width, height: 800 });
    await assertAccessible(page, `acceptance notice (zh, ${width} px)`);
    await assertNoSidewaysScroll(page, `acceptance notice (zh, ${width} px)`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('link', { name: '返回办理进度' }).click();

  // The formal answer letter, and its verification code checked at /verify,
  // at 1280 and 375 px in both languages.
  await page.getByRole('link', { name: '查看处理意见书' }).click();
  await page.getByRole('heading', { level: 1, name: '信访事项处理意见书' }).waitFor();
  await page.getByText('执行款将于五个工作日内发放').first().waitFor();
  const verification = (await page.locator('.verification').innerText()).match(/V[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}/)[0];
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await assertAccessible(page, `answer letter (zh, ${width} px)`);
  }
  const pdf = await page.request.get(`${server.address}/track/${tn.replaceAll('-', '')}/letter.pdf`);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');
  await page.goto(`${server.address}/verify`);
  await page.getByLabel('核验码').fill(verification);
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByRole('heading', { level: 2, name: '这是本系统签发的文书' }).waitFor();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await assertAccessible(page, `verify (zh, ${width} px)`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${server.address}/verify?code=${verification}&lang=en`);
    await page.getByRole('heading', { level: 2, name: 'This portal issued this letter' }).waitFor();
    await assertAccessible(page, `verify (en, ${width} px)`);
    await page.goto(`${server.address}/track/${tn.replaceAll('-', '')}/letter?lang=en`);
    await page.getByRole('heading', { level: 1, name: 'Answer to your petition' }).waitFor();
    await assertAccessible(page, `answer letter (en, ${width} px)`);
  }

  // Asking for a review: the review has its own place on the page — who
  // decides it and by when, and the progress bar's stages are the review's.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.address}/track/${tn.replaceAll('-', '')}?lang=zh-CN`);
  await page.locator('#review-text').fill('执行款至今仍未到账。');
  await page.locator('#review-form').getByRole('button', { name: '申请复查' }).click();
  await page.locator('.review-stage').getByText(/^复查中：\s*由.+办理，\d{4}-\d{2}-\d{2} 前作出意见。$/).waitFor();
  const stages = await page.locator('.stages .stage-name').allInnerTexts();
  assert.deepEqual(stages, ['申请复查', '复查受理', '复查办理', '复查意见', '评价／复核']);
  assert.equal(await page.locator('.stage[aria-current="step"] .stage-name').innerText(), '复查受理');
  await assertAccessible(page, 'status: under review');
});

test('an administrator reads the job queue, by keyboard and in English too', async () => {
  await asStaff('admin', async (page) => {
    await page.getByRole('link', { name: '任务队列' }).click();
    await page.getByRole('heading', { level: 1, name: '任务队列' }).waitFor();
    await page.getByRole('heading', { level: 2, name: /已停止重试的任务/ }).waitFor();
    await assertAccessible(page, 'job queue');
    await page.goto(`${server.address}/staff/queue?lang=en`);
    await page.getByRole('heading', { level: 1, name: 'Job queue' }).waitFor();
    await assertAccessible(page, 'job queue (en)');
  });
});

test('a day at the console: dashboard, queue, go-to-number and bulk assignment, at 1280 and 375 px, by keyboard', async () => {
  const filed = [await fileComplaint(), await fileComplaint()];
  await asStaff('intake-clerk', async (page) => {
    // Login lands on the dashboard.
    await page.getByRole('heading', { level: 1, name: '工作台' }).waitFor();
    await assertAccessible(page, 'dashboard (clerk)');
    // By keyboard: the go-to box takes the number as read out on the phone.
    await page.getByLabel('按信访编号查找').focus();
    await page.keyboard.type(printed(filed[0].tracking_number).toLowerCase().replaceAll('-', ' '));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '执行款迟迟未发放' }).waitFor();
    assert.ok(page.url().endsWith(printed(filed[0].tracking_number)), page.url());
    // Accept both, by keyboard: the primary action is the first button after the facts.
    for (const f of filed) {
      await page.goto(`${server.address}/staff/petitions/${printed(f.tracking_number)}`);
      await page.getByRole('button', { name: '受理', exact: true }).focus();
      await page.keyboard.press('Enter');
      await page.getByText('已受理。信访人将收到受理告知。').waitFor();
    }
  });
  await asStaff('supervisor', async (page) => {
    await page.getByRole('heading', { level: 1, name: '工作台' }).waitFor();
    await assertAccessible(page, 'dashboard (supervisor)');
    await page.getByRole('link', { name: /待分办/ }).first().click();
    await page.getByRole('heading', { level: 1, name: '信访办理' }).waitFor();
    await assertAccessible(page, 'queue: to assign');
    for (const f of filed) {
      await page.getByRole('checkbox', { name: new RegExp(printed(f.tracking_number)) }).check();
    }
    await page.getByRole('button', { name: '下一步：核对所选事项' }).click();
    await page.getByRole('heading', { level: 1, name: '确认批量办理' }).waitFor();
    await assertAccessible(page, 'bulk confirmation');
    await page.getByRole('button', { name: '确认分办 2 件' }).click();
    await page.getByText('已办理 2 件，共 2 件').waitFor();
    await assertAccessible(page, 'bulk outcome');
    // At 375 px the queue still reads row by row, and nothing fails axe.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.address}/staff/petitions?queue=all`);
    await assertAccessible(page, 'queue (375 px)');
    const caption = await page.locator('caption').first().boundingBox();
    assert.ok(caption.height < 60, `the caption does not wrap a character per line (${caption.height}px)`);
    await page.goto(`${server.address}/staff/petitions/${printed(filed[0].tracking_number)}`);
    await assertAccessible(page, 'petition (375 px)');
    await page.goto(`${server.address}/staff?lang=en`);
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    await assertAccessible(page, 'dashboard (en, 375 px)');
  });
});

test('a clerk registers a letter and prints the receipt; account pages pass axe at 1280 and 375 px, in both languages', async () => {
  await asStaff('intake-clerk', async (page) => {
    await page.getByRole('link', { name: '登记来访、来信、来电' }).click();
    await page.getByRole('heading', { level: 1, name: '登记来访、来信、来电' }).waitFor();
    await assertAccessible(page, 'registration form');
    await page.getByLabel('来信').check();
    await page.getByLabel('事项类别').selectOption('enforcement');
    await page.locator('#kind').selectOption('complaint');
    await page.getByLabel('被反映的单位或人员（可选）').fill('东湖区人民法院执行局');
    await page.locator('#title').fill('来信反映执行款迟迟未发放');
    // Submitted without a description: the error comes back with the input kept, and says so in the title.
    await page.getByRole('button', { name: '登记并生成回执' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match(await page.title(), /^错误：/);
    assert.equal(await page.locator('#title').inputValue(), '来信反映执行款迟迟未发放');
    await assertAccessible(page, 'registration form with errors');
    await page.locator('#description').fill('来信称判决生效后执行款一直未发放，请求尽快处理。');
    await page.locator('#contact_name').fill('王五');
    await page.locator('#contact_phone').fill('13800138000');
    await page.getByRole('button', { name: '登记并生成回执' }).click();
    await page.getByRole('heading', { level: 1, name: '信访事项登记回执' }).waitFor();
    const code = (await page.locator('#access-code').textContent()).trim();
    // A refresh shows the same receipt: nothing registered twice, the code not lost.
    await page.reload();
    assert.equal((await page.locator('#access-code').textContent()).trim(), code);
    await assertAccessible(page, 'registration receipt');
    await page.setViewportSize({ width: 375, height: 800 });
    await assertAccessible(page, 'registration receipt (375 px)');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: '回执已交给来访人或已寄出' }).click();
    await page.getByRole('heading', { level: 1, name: '来信反映执行款迟迟未发放' }).waitFor();
    // Declining asks first.
    await page.locator('summary', { hasText: '不予受理' }).click();
    await page.locator('#decline-text').fill('不属于本院职权范围');
    await page.locator('#decline-citation').fill('《信访工作条例》第三十一条');
    await page.getByRole('button', { name: '不予受理' }).click();
    await page.getByRole('heading', { level: 1, name: '确认不予受理' }).waitFor();
    await assertAccessible(page, 'confirm decline');
    await page.getByRole('link', { name: '返回，不做更改' }).click();
    await page.getByRole('heading', { level: 1, name: '来信反映执行款迟迟未发放' }).waitFor();
    await assertAccessible(page, 'petition registered by letter');
    // The account pages.
    await page.getByRole('link', { name: '我的账户' }).click();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await assertAccessible(page, 'my account');
    await page.goto(`${server.address}/staff/account/second-factor`);
    await assertAccessible(page, 'enrol a second factor');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.address}/staff/register?lang=en`);
    await page.getByRole('heading', { level: 1, name: 'Register a visit, letter or call' }).waitFor();
    await assertAccessible(page, 'registration form (en, 375 px)');
  });
  await asStaff('admin', async (page) => {
    await page.goto(`${server.address}/staff/accounts`);
    await assertAccessible(page, 'accounts (admin)');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.address}/staff/accounts?lang=en`);
    await assertAccessible(page, 'accounts (admin, en, 375 px)');
  });
});

test('the handler\'s day: the next step is right, confirmations name what happened, a draft is saved and resumed, a placeholder is refused, a returned draft is flagged, people are named', async () => {
  const { tracking_number: tn } = await fileComplaint();
  const shown = printed(tn);
  const nextStep = (page) => page.locator('.primary-action h3');

  await asStaff('intake-clerk', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    assert.match(await nextStep(page).innerText(), /下一步：\s*受理/);
    await page.getByRole('button', { name: '受理', exact: true }).click();
    await page.getByText('已受理。信访人将收到受理告知。').waitFor();
    // Nothing left for the clerk: the page says whom the petition waits on.
    assert.equal(await nextStep(page).count(), 0);
    await page.getByText('本件已受理，等待审批领导交办承办人。').waitFor();
  });

  let handlerName;
  await asStaff('supervisor', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    assert.match(await nextStep(page).innerText(), /下一步：\s*交办承办人/);
    handlerName = (await page.locator('#assign-target option:checked').innerText()).trim();
    await page.getByRole('button', { name: '交办承办人' }).click();
    await page.getByText(`已交办给${handlerName}（承办人）。`).waitFor();
    // Assigned: reassigning is offered among the other acts, not as the next step.
    assert.equal(await nextStep(page).count(), 0, 'no next step for the supervisor once assigned');
    await page.getByText('本件已交办，由承办人调查并起草答复意见。').waitFor();
    await page.locator('summary', { hasText: '交办承办人' }).waitFor();
    await assertAccessible(page, 'petition (supervisor, assigned)');
  });

  await asStaff('handler', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    assert.match(await nextStep(page).innerText(), /下一步：\s*起草答复意见/);
    // The template's text, placeholder and all, is refused with the placeholder named and the text kept.
    const template = await page.locator('#draft-text').inputValue();
    assert.ok(template.includes('（写明处理措施、责任人和完成时间）'), template);
    await page.getByRole('button', { name: '起草答复意见' }).click();
    await page.getByText('答复意见中仍有模板提示“（写明处理措施、责任人和完成时间）”').waitFor();
    assert.equal(await page.locator('#draft-text').inputValue(), template);
    await assertAccessible(page, 'petition (handler, placeholder refused)');
    // Saved for later, not submitted.
    const halfway = template.replace('（写明处理措施、责任人和完成时间）', '已责令执行局于十日内发放执行款。（待补充责任人）');
    await page.locator('#draft-text').fill(halfway);
    await page.getByRole('button', { name: '保存草稿' }).click();
    await page.getByText('草稿已保存，尚未提交审批；审批领导看不到草稿。').waitFor();
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    assert.equal(await page.locator('#draft-text').inputValue(), halfway.trim(), 'the saved draft comes back');
    await page.getByText(/以下是您于 .+ 保存的草稿，尚未提交审批。/).waitFor();
  });

  await asStaff('supervisor', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    assert.equal(await page.getByText('已责令执行局于十日内发放执行款').count(), 0, 'the approver does not see a saved draft');
  });

  await asStaff('handler', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    await page.getByRole('button', { name: '起草答复意见' }).click();
    await page.getByText('答复意见已提交审批。').waitFor();
    // Drafted: an extension is a way round, not the handler's next step.
    assert.equal(await nextStep(page).count(), 0, 'no next step for the handler once drafted');
    await page.getByText('答复意见已提交，等待审批领导（起草人以外）审批。').waitFor();
  });

  await asStaff('supervisor', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${shown}`);
    assert.match(await nextStep(page).innerText(), /下一步：\s*审批通过并答复/);
    await page.locator('summary', { hasText: '退回修改' }).click();
    await page.getByLabel('审批意见').fill('请写明责任人和发放日期。');
    await page.getByRole('button', { name: '退回修改' }).click();
    await page.getByText('答复意见已退回承办人修改。').waitFor();
    // The timeline and the audit trail name who acted, by name and post, the acts in words.
    await page.locator('.timeline-head', { hasText: `${handlerName}（承办人）` }).first().waitFor();
    await page.locator('.timeline-head', { hasText: '（审批领导）' }).first().waitFor();
    const audit = page.locator('table.audit');
    await audit.getByText(`${handlerName}（承办人）`).first().waitFor();
    await audit.getByText('退回答复意见', { exact: true }).first().waitFor();
    assert.equal(await audit.getByText(/^staff:\d+$/).count(), 0, 'no raw actor ids in the table');
    assert.equal(await audit.locator('code.hash').first().isVisible(), false, 'hashes sit behind "details"');
    await assertAccessible(page, 'petition (supervisor, returned, audit named)');
  });

  await asStaff('handler', async (page) => {
    await page.goto(`${server.address}/staff/petitions?queue=mine`);
    const row = page.locator('tr', { has: page.getByRole('link', { name: shown }) });
    await row.getByText('退回修改').waitFor();
    await assertAccessible(page, 'queue: mine (returned flagged)');
    await row.getByRole('link', { name: shown }).click();
    const returned = page.locator('section.returned-draft');
    await returned.getByText('请写明责任人和发放日期。').waitFor();
    await returned.getByText('已责令执行局于十日内发放执行款').waitFor();
    assert.match(await nextStep(page).innerText(), /下一步：\s*起草答复意见/);
  });
});

test('merging is never one tap away: it asks on its own page naming both petitions and what the petitioner is told', async () => {
  // Another petitioner: six filings a day from one contact are held for a manual check.
  const earlier = await fileComplaint('13900002222');
  const { tracking_number: tn } = await fileComplaint('13900002222');
  await asStaff('intake-clerk', async (page) => {
    await page.goto(`${server.address}/staff/petitions/${printed(tn)}`);
    // The suggestions are information: nothing is chosen for the clerk.
    assert.equal(await page.locator('input[name=target]:checked').count(), 0, 'no suggestion preselected');
    await page.getByLabel(new RegExp(printed(earlier.tracking_number))).check();
    await page.locator('#same-text').fill('同一信访人就同一执行款重复反映。');
    await page.getByRole('button', { name: /并入前案合并办理/ }).click();
    await page.getByRole('heading', { level: 1, name: '确认合并办理' }).waitFor();
    await page.getByText(printed(tn)).first().waitFor();
    await page.getByText(printed(earlier.tracking_number)).first().waitFor();
    await page.getByText(`请以 ${printed(earlier.tracking_number)} 查询办理进度`).waitFor();
    await assertAccessible(page, 'confirm merge');
    // Going back changes nothing.
    await page.getByRole('link', { name: '返回，不做更改' }).click();
    await page.getByText('已登记，待审查是否受理').first().waitFor();
    await page.getByLabel(new RegExp(printed(earlier.tracking_number))).check();
    await page.locator('#same-text').fill('同一信访人就同一执行款重复反映。');
    await page.getByRole('button', { name: /并入前案合并办理/ }).click();
    await page.getByRole('button', { name: '确认：并入前案合并办理' }).click();
    await page.getByText('已并入前案合并办理，信访人将收到应查询的编号。').waitFor();
  });
});
