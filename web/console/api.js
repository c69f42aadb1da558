// The public API, called from this same origin. Tokens live in the tab's sessionStorage
// only (the contract: never localStorage or cookies).

// Every call has a deadline: a service that does not answer must not leave the page waiting.
const TIMEOUT_MS = 10000;

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

const KEYS = {
  userId: "console.userId",
  userToken: "console.userToken",
  adminToken: "console.adminToken",
  view: "console.view",
};

export const session = {
  get: (name) => sessionStorage.getItem(KEYS[name]) ?? "",
  set: (name, value) => {
    if (value) sessionStorage.setItem(KEYS[name], value);
    else sessionStorage.removeItem(KEYS[name]);
  },
};

export async function call(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new ApiError(0, "NETWORK", `the service did not answer (${error.message})`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && data.detail ? data.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, data && data.code ? data.code : "HTTP", detail);
  }
  return data;
}

// The raw text of a GET (for /metrics).
export async function text(path) {
  const response = await fetch(path, { cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new ApiError(response.status, "HTTP", `${path}: ${response.status}`);
  return response.text();
}

export function errorText(error) {
  return error instanceof ApiError ? error.detail : String(error && error.message ? error.message : error);
}
