// Small DOM helpers: elements are built with textContent, never from HTML strings, so a
// product named "<script>" is shown as text.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

const won = new Intl.NumberFormat("ko-KR");
export function formatWon(amount) {
  return won.format(amount);
}

export function formatTime(rfc3339) {
  if (!rfc3339) return "";
  // "2026-11-23T18:05:00.123+09:00" -> "11-23 18:05:00": the service's own time zone.
  return rfc3339.slice(5, 10) + " " + rfc3339.slice(11, 19);
}

// Shows what happened in an <output>: the API's `detail` for an error, in place.
export function say(output, text, isError = false) {
  output.textContent = text;
  output.classList.toggle("error", isError);
  output.classList.toggle("ok", !isError && text !== "");
  if (isError) output.setAttribute("role", "alert");
  else output.removeAttribute("role");
}

export function replaceRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

// Runs `task` unless the previous run is still going (a slow answer must not pile up
// requests), and reports errors through `onError`.
export function guarded(task, onError) {
  let running = false;
  return async (...args) => {
    if (running) return;
    running = true;
    try {
      await task(...args);
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
}
