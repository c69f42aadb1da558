// The console's entry: two views, Shop and Operate, chosen by the tabs (remembered for the tab).
import { session } from "./api.js";
import { $ } from "./dom.js";
import { initOperate } from "./operate.js";
import { initShop } from "./shop.js";

function show(view) {
  for (const name of ["shop", "operate"]) {
    $(`view-${name}`).hidden = name !== view;
    $(`tab-${name}`).setAttribute("aria-pressed", String(name === view));
  }
  session.set("view", view);
}

$("tab-shop").addEventListener("click", () => show("shop"));
$("tab-operate").addEventListener("click", () => show("operate"));
const wanted = new URLSearchParams(location.search).get("view") || session.get("view");
show(wanted === "operate" ? "operate" : "shop");
initShop();
initOperate(() => !$("view-operate").hidden);
