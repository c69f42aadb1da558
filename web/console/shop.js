// The Shop view: one user browses, charges, claims, orders and pays.
import { call, errorText, session } from "./api.js";
import { $, el, formatTime, formatWon, guarded, replaceRows, say } from "./dom.js";

const state = { userId: 0, token: "" };
const productRows = new Map(); // product id -> { row, stock, quantity }

const asUser = (method, path, body) => call(method, path, { body, token: state.token });

// Every product, page by page (100 at a time).
export async function allProducts() {
  const products = [];
  for (let page = 0; page < 50; page++) {
    const body = await call("GET", `/api/v1/products?page=${page}&size=100`);
    products.push(...body.content);
    if (products.length >= body.totalElements || body.content.length === 0) break;
  }
  return products;
}

async function refreshProducts() {
  const products = await allProducts();
  const tbody = $("shop-products").tBodies[0];
  const ids = products.map((p) => p.id).join(",");
  if (ids !== [...productRows.keys()].join(",")) {
    productRows.clear();
    replaceRows(
      tbody,
      products.map((p) => {
        const stock = el("td", { class: "num", "data-testid": `shop-stock-${p.id}` }, p.stock);
        const quantity = el("input", {
          type: "number", min: "0", max: "1000", step: "1", value: "0",
          "aria-label": `Quantity of ${p.name}`, "data-testid": `qty-${p.id}`,
        });
        const row = el("tr", {}, el("td", {}, p.id), el("td", {}, p.name),
          el("td", { class: "num" }, formatWon(p.price)), stock, el("td", {}, quantity));
        productRows.set(p.id, { row, stock, quantity });
        return row;
      }),
    );
  }
  for (const p of products) productRows.get(p.id).stock.textContent = String(p.stock);
}

async function refreshBalance() {
  const body = await asUser("GET", `/api/v1/points?userId=${state.userId}`);
  $("shop-balance").textContent = formatWon(body.balance);
}

async function refreshCoupons() {
  const coupons = await asUser("GET", `/api/v1/coupons?userId=${state.userId}`);
  replaceRows(
    $("my-coupons").tBodies[0],
    coupons.map((c) => el("tr", {}, el("td", {}, c.userCouponId), el("td", {}, c.name),
      el("td", {}, c.discountType === "FIXED" ? `${formatWon(c.discountValue)} won` : `${c.discountValue}%`),
      el("td", {}, c.status), el("td", {}, formatTime(c.expiresAt)))),
  );
  const select = $("order-coupon");
  const chosen = select.value;
  select.replaceChildren(
    el("option", { value: "" }, "none"),
    ...coupons.filter((c) => c.status === "AVAILABLE")
      .map((c) => el("option", { value: c.userCouponId }, `${c.name} (#${c.userCouponId})`)),
  );
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

function orderActions(order) {
  if (order.status !== "NOT_PAID") return "";
  const out = el("span", { class: "row-error", role: "alert" });
  const act = (label, run, testid) => el("button", {
    type: "button", class: label === "Pay" ? "" : "secondary", "data-testid": testid,
    onclick: async () => {
      out.textContent = "";
      try {
        await run();
        await refreshAll();
      } catch (error) {
        out.textContent = errorText(error);
        refreshAll().catch(() => {});
      }
    },
  }, label);
  return el("span", { class: "row" },
    act("Pay", () => asUser("POST", "/api/v1/points/use", { userId: state.userId, orderId: order.orderId }), `pay-${order.orderId}`),
    act("Cancel", () => asUser("POST", `/api/v1/orders/${order.orderId}/cancel`, { userId: state.userId }), `cancel-${order.orderId}`),
    out);
}

async function refreshOrders() {
  const body = await asUser("GET", `/api/v1/orders?userId=${state.userId}&size=20`);
  replaceRows(
    $("shop-orders").tBodies[0],
    body.content.map((o) => el("tr", { "data-testid": `order-${o.orderId}` },
      el("td", {}, o.orderId),
      el("td", { "data-testid": `order-status-${o.orderId}` }, o.status),
      el("td", {}, o.items.map((i) => `#${i.productId} × ${i.quantity}`).join(", ")),
      el("td", { class: "num" }, formatWon(o.payAmount)),
      el("td", {}, orderActions(o)))),
  );
}

async function refreshHistory() {
  const body = await asUser("GET", `/api/v1/points/history?userId=${state.userId}&size=20`);
  replaceRows(
    $("shop-history").tBodies[0],
    body.content.map((h) => el("tr", {}, el("td", {}, formatTime(h.createdAt)), el("td", {}, h.type),
      el("td", { class: "num" }, formatWon(h.amount)), el("td", { class: "num" }, formatWon(h.balanceAfter)),
      el("td", {}, h.orderId ?? ""))),
  );
}

async function refreshAll() {
  await Promise.all([refreshProducts(), refreshBalance(), refreshCoupons(), refreshOrders(), refreshHistory()]);
}

// Submits a form's action and says the outcome (the API's detail on error) in its <output>.
function onSubmit(formId, outputId, action) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = $(outputId);
    say(output, "…");
    try {
      say(output, await action());
      await refreshAll();
    } catch (error) {
      say(output, errorText(error), true);
    }
  });
}

async function signIn(userId, token) {
  state.userId = userId;
  state.token = token;
  // Checks the user (and token) with a read before showing anything.
  await refreshBalance();
  session.set("userId", String(userId));
  session.set("userToken", token);
  $("shop-body").hidden = false;
  await refreshAll();
}

// The user a JWT is for (its `sub`), to fill in the user id when a token is pasted first.
function subjectOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return Number(JSON.parse(atob(payload)).sub) || 0;
  } catch {
    return 0;
  }
}

export function initShop() {
  $("shop-token").addEventListener("change", () => {
    const sub = subjectOf($("shop-token").value.trim());
    if (sub > 0 && !$("shop-user").value) $("shop-user").value = String(sub);
  });
  onSubmit("shop-login", "shop-login-status", async () => {
    const userId = Number($("shop-user").value);
    await signIn(userId, $("shop-token").value.trim());
    return `Shopping as user ${userId}.`;
  });
  onSubmit("charge-form", "charge-status", async () => {
    const body = await asUser("POST", "/api/v1/points/charge",
      { userId: state.userId, amount: Number($("charge-amount").value) });
    return `Charged. Balance ${formatWon(body.balance)} won.`;
  });
  onSubmit("claim-form", "claim-status", async () => {
    const body = await asUser("POST", "/api/v1/coupons/issue",
      { userId: state.userId, couponId: Number($("claim-coupon").value) });
    return `Claimed "${body.name}" (#${body.userCouponId}).`;
  });
  onSubmit("order-form", "order-status", async () => {
    const items = [...productRows.entries()]
      .map(([productId, r]) => ({ productId, quantity: Number(r.quantity.value) }))
      .filter((line) => line.quantity > 0);
    if (items.length === 0) throw new Error("choose a quantity for at least one product");
    const body = { userId: state.userId, items };
    const coupon = $("order-coupon").value;
    if (coupon) body.userCouponId = Number(coupon);
    const order = await asUser("POST", "/api/v1/orders", body);
    for (const r of productRows.values()) r.quantity.value = "0";
    return `Order ${order.orderId} placed: ${formatWon(order.payAmount)} won to pay.`;
  });

  // Stock and the rest keep updating while the view is open.
  const tick = guarded(async () => {
    if (!$("shop-body").hidden && !$("view-shop").hidden) await refreshAll();
  }, () => {});
  setInterval(tick, 2000);

  const savedUser = Number(session.get("userId"));
  if (savedUser > 0) {
    $("shop-user").value = String(savedUser);
    signIn(savedUser, session.get("userToken")).catch((error) =>
      say($("shop-login-status"), errorText(error), true));
  }
}
