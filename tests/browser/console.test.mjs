// Browser tests of /console (issue 28), with node's test runner, Debian's chromium and
// puppeteer-core (web/node_modules). tests/browser/test_console.py starts the service on a
// fresh database with the demo data and runs this file with:
//   CONSOLE_BASE_URL   the service (http://127.0.0.1:PORT)
//   CONSOLE_ADMIN_TOKEN the admin token
//   CONSOLE_USER_TOKEN  a JWT of demo user 3 when the service authenticates users, else ""
//   CONSOLE_RUSH_TOKENS JWTs of demo users 1, 2 and 4, comma-separated (with authentication)
//   CONSOLE_ARTIFACTS   where screenshots go (build/logs/console)
//   CHROMIUM            the browser (default /usr/bin/chromium)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, "../../web");
const require = createRequire(path.join(web, "package.json"));
const puppeteer = require("puppeteer-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const base = process.env.CONSOLE_BASE_URL;
const adminToken = process.env.CONSOLE_ADMIN_TOKEN;
const userToken = process.env.CONSOLE_USER_TOKEN ?? "";
const artifacts = process.env.CONSOLE_ARTIFACTS ?? path.resolve(here, "../../build/logs/console");
const SHOP_USER = 3; // a demo user who starts with no points
assert.ok(base && adminToken, "CONSOLE_BASE_URL and CONSOLE_ADMIN_TOKEN are required");
mkdirSync(artifacts, { recursive: true });

let browser;
let pagesOpened = 0;
let profile;
const problems = []; // console errors and page errors, from every page

async function api(method, url, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}
const asAdmin = (method, url, body) => api(method, url, { body, token: adminToken });
const asUser = (method, url, body) => api(method, url, { body, token: userToken });

async function openPage(width, height) {
  const page = await browser.newPage();
  page.label = `${width}px #${++pagesOpened}`;
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  // The page's CSP allows no inline script; axe-core is injected as one, by the test only.
  await page.setBypassCSP(true);
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    // An API error the test causes on purpose is shown on the page; the browser also logs
    // the 4xx answer itself ("Failed to load resource"). Anything else is a problem.
    if (page.expectedApiErrors && /status of 4\d\d/.test(text)) return;
    problems.push(`console: ${text} (${message.location()?.url ?? "?"}, page ${page.label})`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(base + "/") && !url.startsWith("data:")) problems.push(`request to another site: ${url}`);
  });
  await page.goto(`${base}/console`, { waitUntil: "networkidle0" });
  return page;
}

async function fill(page, selector, value) {
  await page.$eval(selector, (input) => { input.value = ""; });
  await page.type(selector, String(value));
}

// Submits with `buttonSelector` and waits for the outcome in `outputSelector` (the page
// writes "…" while the request runs): its text, and whether it is shown as an error.
async function submitAndSee(page, buttonSelector, outputSelector) {
  await page.$eval(outputSelector, (o) => { o.textContent = ""; });
  await page.click(buttonSelector);
  await page.waitForFunction((sel) => {
    const text = document.querySelector(sel).textContent;
    return text !== "" && text !== "…";
  }, { timeout: 10000 }, outputSelector);
  return page.$eval(outputSelector, (o) => ({ text: o.textContent, error: o.classList.contains("error") }));
}

async function axe(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${name}: axe found serious or critical violations: ${JSON.stringify(serious, null, 1)}`);
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `console-${name}.png`), fullPage: true });
}

before(async () => {
  profile = mkdtempSync(path.join(tmpdir(), "console-chromium-"));
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    userDataDir: profile,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--lang=ko-KR"],
  });
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function signInShop(page) {
  await fill(page, "#shop-user", SHOP_USER);
  if (userToken) await fill(page, "#shop-token", userToken);
  const said = await submitAndSee(page, "#shop-login button[type=submit]", "#shop-login-status");
  assert.equal(said.error, false, said.text);
  await page.waitForSelector("#shop-products tbody tr");
}

test("the shop flow end to end: charge, claim, order, pay", async () => {
  const page = await openPage(1280, 900);
  await signInShop(page);
  const before = (await asUser("GET", `/api/v1/points?userId=${SHOP_USER}`)).json.balance;
  const product = (await api("GET", "/api/v1/products/2")).json;
  const coupon = (await asAdmin("POST", "/api/v1/admin/coupons", {
    name: "브라우저 쿠폰", discountType: "FIXED", discountValue: 1000, totalQuantity: 5,
    issueStartsAt: new Date(Date.now() - 60000).toISOString(),
    issueEndsAt: new Date(Date.now() + 3600000).toISOString(), validDays: 7,
  })).json;

  await fill(page, "#charge-amount", 100000);
  let said = await submitAndSee(page, "#charge-form button", "#charge-status");
  assert.equal(said.error, false, said.text);

  await fill(page, "#claim-coupon", coupon.id);
  said = await submitAndSee(page, "#claim-form button", "#claim-status");
  assert.equal(said.error, false, said.text);
  await page.waitForFunction(() => document.querySelectorAll("#order-coupon option").length > 1);
  const userCouponId = await page.$eval("#order-coupon option:nth-child(2)", (o) => o.value);
  await page.select("#order-coupon", userCouponId);

  await fill(page, `[data-testid="qty-${product.id}"]`, 2);
  said = await submitAndSee(page, "#order-form button[type=submit]", "#order-status");
  assert.equal(said.error, false, said.text);
  const orderId = Number(/Order (\d+)/.exec(said.text)[1]);
  await page.waitForSelector(`[data-testid="pay-${orderId}"]`);
  await page.click(`[data-testid="pay-${orderId}"]`);
  await page.waitForFunction((id) => document.querySelector(`[data-testid="order-status-${id}"]`)?.textContent === "PAID",
    { timeout: 10000 }, orderId);

  // Checked through the API: the order is paid, the balance and stock moved by exactly it.
  const order = (await asUser("GET", `/api/v1/orders/${orderId}?userId=${SHOP_USER}`)).json;
  assert.equal(order.status, "PAID");
  assert.equal(order.userCouponId, Number(userCouponId));
  assert.equal(order.payAmount, 2 * product.price - 1000);
  const balance = (await asUser("GET", `/api/v1/points?userId=${SHOP_USER}`)).json.balance;
  assert.equal(balance, before + 100000 - order.payAmount);
  assert.equal((await api("GET", `/api/v1/products/${product.id}`)).json.stock, product.stock - 2);
  const coupons = (await asUser("GET", `/api/v1/coupons?userId=${SHOP_USER}`)).json;
  assert.equal(coupons.find((c) => c.userCouponId === Number(userCouponId)).status, "USED");
  // And the page shows that balance.
  await page.waitForFunction((text) => document.querySelector("#shop-balance").textContent === text,
    { timeout: 5000 }, new Intl.NumberFormat("ko-KR").format(balance));

  // An API error is shown in place as its detail: the same coupon claimed again.
  page.expectedApiErrors = true;
  await fill(page, "#claim-coupon", coupon.id);
  said = await submitAndSee(page, "#claim-form button", "#claim-status");
  assert.equal(said.error, true);
  const problem = await asUser("POST", "/api/v1/coupons/issue", { userId: SHOP_USER, couponId: coupon.id });
  assert.equal(said.text, problem.json.detail);

  // Tokens stay in the tab's session storage: nothing in local storage or cookies.
  const stored = await page.evaluate(() => ({ local: localStorage.length, cookies: document.cookie,
    session: sessionStorage.getItem("console.userToken") }));
  assert.deepEqual(stored, { local: 0, cookies: "", session: userToken || null });

  await shoot(page, "shop-desktop");
  await axe(page, "shop at 1280 px");
  await page.close();
});

test("the operator view shows every product with the API's stock, live", async () => {
  const page = await openPage(1280, 900);
  await page.click("#tab-operate");
  await fill(page, "#admin-token", adminToken);
  const said = await submitAndSee(page, "#admin-login button", "#admin-login-status");
  assert.equal(said.error, false, said.text);

  const products = (await api("GET", "/api/v1/products?size=100")).json.content;
  assert.ok(products.length >= 8, "the demo products");
  await page.waitForSelector(`[data-testid="op-stock-${products[products.length - 1].id}"]`);
  for (const p of products) {
    const shown = await page.$eval(`[data-testid="op-product-${p.id}"]`, (row) =>
      [...row.cells].slice(0, 4).map((c) => c.textContent));
    assert.equal(shown[0], String(p.id));
    assert.equal(shown[1], p.name); // Korean names, as the API has them
    assert.equal(shown[3], String(p.stock), `stock of product ${p.id}`);
  }

  // A stock change made through the API appears on the page within 3 s.
  const target = products[0];
  const changed = (await asAdmin("POST", `/api/v1/admin/products/${target.id}/stock`, { delta: 37 })).json;
  const started = Date.now();
  await page.waitForFunction((id, stock) => document.querySelector(`[data-testid="op-stock-${id}"]`).textContent === String(stock),
    { timeout: 3000, polling: 100 }, target.id, changed.stock);
  console.log(`stock change seen on the page after ${Date.now() - started} ms`);

  // A coupon issued through the API counts down on the page too.
  const coupon = (await asAdmin("GET", "/api/v1/admin/coupons?size=1")).json.content[0];
  await page.waitForFunction((id, left) => document.querySelector(`[data-testid="op-coupon-remaining-${id}"]`)?.textContent === String(left),
    { timeout: 3000 }, coupon.id, coupon.remainingQuantity);

  // A coupon rush from outside the page: three users at once for a coupon of three; the
  // page counts it down to exactly 0 within 3 s.
  const rushTokens = (process.env.CONSOLE_RUSH_TOKENS ?? "").split(",");
  const rush = (await asAdmin("POST", "/api/v1/admin/coupons", {
    name: "선착순 3명", discountType: "RATE", discountValue: 10, totalQuantity: 3,
    issueStartsAt: new Date(Date.now() - 60000).toISOString(),
    issueEndsAt: new Date(Date.now() + 3600000).toISOString(), validDays: 1,
  })).json;
  await page.waitForSelector(`[data-testid="op-coupon-remaining-${rush.id}"]`, { timeout: 3000 });
  const issued = await Promise.all([1, 2, 4].map((user, i) => api("POST", "/api/v1/coupons/issue",
    { body: { userId: user, couponId: rush.id }, token: rushTokens[i] || undefined })));
  assert.deepEqual(issued.map((r) => r.status), [201, 201, 201]);
  await page.waitForFunction((id) => document.querySelector(`[data-testid="op-coupon-remaining-${id}"]`).textContent === "0",
    { timeout: 3000, polling: 100 }, rush.id);

  // The live charts draw: some traffic, then a few /metrics samples 2 s apart.
  for (let i = 0; i < 30; i++) await api("GET", `/api/v1/products/${1 + (i % 8)}`);
  await api("GET", "/api/v1/products/999999");
  await page.waitForFunction(() => document.querySelector("#sum-errors").textContent.startsWith("Now:"), { timeout: 8000 });
  // Some shop traffic while the charts sample: reads, and an unknown product (404).
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    await Promise.all([api("GET", "/api/v1/products?size=20"), api("GET", "/api/v1/products/best"),
      api("GET", `/api/v1/products/${1 + Math.floor(Math.random() * 8)}`), api("GET", "/api/v1/products/999999")]);
  }
  await page.waitForFunction(() => document.querySelectorAll("#chart-daily canvas").length > 0 && document.querySelectorAll("#best-list li").length > 0);
  await shoot(page, "operate-desktop");
  await axe(page, "operate at 1280 px");
  await page.close();
});

test("both views work at 390 px wide", async () => {
  for (const view of ["shop", "operate"]) {
    const page = await openPage(390, 844);
    if (view === "shop") {
      await signInShop(page);
    } else {
      await page.click("#tab-operate");
      await fill(page, "#admin-token", adminToken);
      await submitAndSee(page, "#admin-login button", "#admin-login-status");
      await page.waitForSelector("[data-testid^=op-stock-]");
      await page.waitForFunction(() => document.querySelector("#sum-errors").textContent.startsWith("Now:"), { timeout: 8000 });
    }
    // Nothing wider than the phone but the scrollable tables.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${view}: the page is ${overflow} px wider than the screen`);
    await shoot(page, `${view}-phone`);
    await axe(page, `${view} at 390 px`);
    await page.close();
  }
});

test("no console errors on any page", () => {
  assert.deepEqual(problems, []);
});
