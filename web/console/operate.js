// The Operate view: products with live stock, coupons counting down, orders by status,
// sales charts and the live service charts (live.js). Admin token or admin JWT.
import { call, errorText, session } from "./api.js";
import { makeChart } from "./charts.js";
import { $, el, formatTime, formatWon, guarded, replaceRows, say } from "./dom.js";
import { startLive } from "./live.js";
import { allProducts } from "./shop.js";

const state = { token: "" };
const productRows = new Map(); // id -> { stock, delta }
let dailyChart = null;
let bestChart = null;
let bestNames = [];

const asAdmin = (method, path, body) => call(method, path, { body, token: state.token });

// A date as YYYY-MM-DD in the service's default time zone (Asia/Seoul), `daysBack` ago.
function seoulDate(daysBack = 0) {
  const day = new Date(Date.now() - daysBack * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul" }).format(day);
}

async function refreshProducts() {
  const products = await allProducts();
  const ids = products.map((p) => p.id).join(",");
  if (ids !== [...productRows.keys()].join(",")) {
    productRows.clear();
    replaceRows($("op-products").tBodies[0], products.map((p) => {
      const stock = el("td", { class: "num", "data-testid": `op-stock-${p.id}` }, p.stock);
      const delta = el("input", { type: "number", step: "1", value: "10", "aria-label": `Restock ${p.name} by` });
      const restock = el("button", {
        type: "button", class: "secondary",
        onclick: async () => {
          try {
            const body = await asAdmin("POST", `/api/v1/admin/products/${p.id}/stock`, { delta: Number(delta.value) });
            say($("restock-status"), `Product ${p.id} now has ${body.stock} in stock.`);
            stock.textContent = String(body.stock);
          } catch (error) {
            say($("restock-status"), errorText(error), true);
          }
        },
      }, "Restock");
      productRows.set(p.id, { stock, delta });
      return el("tr", { "data-testid": `op-product-${p.id}` }, el("td", {}, p.id), el("td", {}, p.name),
        el("td", { class: "num" }, formatWon(p.price)), stock, el("td", {}, el("span", { class: "row" }, delta, restock)));
    }));
  }
  for (const p of products) productRows.get(p.id).stock.textContent = String(p.stock);
}

async function refreshCoupons() {
  const body = await asAdmin("GET", "/api/v1/admin/coupons?size=20");
  replaceRows($("op-coupons").tBodies[0], body.content.map((c) => el("tr", {},
    el("td", {}, c.id), el("td", {}, c.name),
    el("td", {}, c.discountType === "FIXED" ? `${formatWon(c.discountValue)} won` : `${c.discountValue}%`),
    el("td", { class: "num" }, c.totalQuantity - c.remainingQuantity),
    el("td", { class: "num", "data-testid": `op-coupon-remaining-${c.id}` }, c.remainingQuantity))));
}

async function refreshOrders() {
  const status = $("op-order-status").value;
  const body = await asAdmin("GET", `/api/v1/admin/orders?size=20${status ? `&status=${status}` : ""}`);
  $("op-orders-total").textContent = `${body.totalElements.toLocaleString("en")} orders${status ? ` ${status}` : ""} in all.`;
  replaceRows($("op-orders").tBodies[0], body.content.map((o) => el("tr", {},
    el("td", {}, o.orderId), el("td", {}, o.userId), el("td", {}, o.status),
    el("td", {}, o.items.map((i) => `#${i.productId} × ${i.quantity}`).join(", ")),
    el("td", { class: "num" }, formatWon(o.payAmount)), el("td", {}, formatTime(o.createdAt)))));
}

async function refreshSales() {
  const days = await asAdmin("GET", `/api/v1/admin/stats/daily?from=${seoulDate(13)}&to=${seoulDate(0)}`);
  dailyChart ??= makeChart($("chart-daily"),
    [{ label: "revenue (won)", bars: true }, { label: "paid orders", scale: "n" }],
    // Half a day of room each side, so the first and last days' bars show whole.
    { scales: { x: { time: true, range: (u, min, max) => [min - 43200, max + 43200] }, n: {} } });
  dailyChart.setData([
    days.map((d) => Date.parse(`${d.date}T00:00:00+09:00`) / 1000),
    days.map((d) => d.revenue),
    days.map((d) => d.paidOrders),
  ]);
  const today = days[days.length - 1];
  $("sum-daily").textContent = `Today (${today.date}): ${today.paidOrders} paid orders, ${today.unitsSold} units, ${formatWon(today.revenue)} won.`;

  const best = await call("GET", "/api/v1/products/best");
  bestNames = best.map((b) => b.name);
  bestChart ??= makeChart($("chart-best"), [{ label: "units", bars: true }], {
    time: false,
    scales: { x: { time: false, range: [0.5, 5.5] } },
    xValues: (u, splits) => splits.map((v) => (Number.isInteger(v) ? (bestNames[v - 1] ?? "") : "")),
  });
  bestChart.setData([best.map((b) => b.rank), best.map((b) => b.salesQuantity)]);
  replaceRows($("best-list"), best.length
    ? best.map((b) => el("li", {}, `${b.name}: ${b.salesQuantity} units`))
    : [el("li", {}, "No sales in the last 3 days.")]);
}

function onSubmit(formId, outputId, action) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = $(outputId);
    say(output, "…");
    try {
      say(output, await action());
    } catch (error) {
      say(output, errorText(error), true);
    }
  });
}

async function signIn(token) {
  state.token = token;
  await asAdmin("GET", "/api/v1/admin/coupons?size=1"); // checks the token
  session.set("adminToken", token);
  $("operate-body").hidden = false;
  await Promise.all([refreshProducts(), refreshCoupons(), refreshOrders(), refreshSales()]);
}

export function initOperate(isVisible) {
  onSubmit("admin-login", "admin-login-status", async () => {
    await signIn($("admin-token").value.trim());
    return "Signed in as the operator.";
  });
  onSubmit("add-product-form", "add-product-status", async () => {
    const p = await asAdmin("POST", "/api/v1/admin/products", {
      name: $("new-product-name").value, description: $("new-product-description").value,
      price: Number($("new-product-price").value), stock: Number($("new-product-stock").value),
    });
    await refreshProducts();
    return `Added product ${p.id}, "${p.name}".`;
  });
  onSubmit("add-coupon-form", "add-coupon-status", async () => {
    const now = Date.now();
    const c = await asAdmin("POST", "/api/v1/admin/coupons", {
      name: $("new-coupon-name").value, discountType: $("new-coupon-type").value,
      discountValue: Number($("new-coupon-value").value), totalQuantity: Number($("new-coupon-quantity").value),
      issueStartsAt: new Date(now - 60000).toISOString(),
      issueEndsAt: new Date(now + Number($("new-coupon-hours").value) * 3600000).toISOString(),
      validDays: Number($("new-coupon-days").value),
    });
    await refreshCoupons();
    return `Created coupon ${c.id}, "${c.name}", ${c.totalQuantity} to issue.`;
  });
  $("op-order-status").addEventListener("change", () => refreshOrders().catch(() => {}));

  const active = () => isVisible() && !$("operate-body").hidden;
  const report = (error) => say($("restock-status"), errorText(error), true);
  // Stock and coupons every second, the rest every 2 s: a coupon rush is seen counting down.
  const fast = guarded(async () => { if (active()) await Promise.all([refreshProducts(), refreshCoupons()]); }, report);
  const slow = guarded(async () => { if (active()) await Promise.all([refreshOrders(), refreshSales()]); }, report);
  let live = null;
  const metrics = guarded(async () => {
    if (!active()) return;
    live ??= startLive(active);
    await live();
  }, () => {});
  setInterval(fast, 1000);
  setInterval(slow, 2000);
  setInterval(metrics, 2000);

  const saved = session.get("adminToken");
  if (saved) {
    $("admin-token").value = saved;
    signIn(saved).catch((error) => say($("admin-login-status"), errorText(error), true));
  }
}
