// The HTTP API of the same server; answers are cached per URL for the page's lifetime.
const cache = new Map();
let root = "/api/v1";

export function setApiRoot(path) {
  root = path;
}

/** The URL of an API path with query parameters (arrays repeat the parameter). */
export function apiUrl(path, params = {}) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, String(v));
  }
  const query = q.toString();
  return `${root}${path}${query ? `?${query}` : ""}`;
}

/** An error carrying the API's problem detail. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function parse(response) {
  if (response.ok) return response.json();
  let detail = `${response.status} ${response.statusText}`;
  try {
    const problem = await response.json();
    detail = problem.detail || problem.title || detail;
  } catch {
    /* not JSON */
  }
  throw new ApiError(response.status, detail);
}

/** GET JSON (cached). */
export function get(path, params = {}) {
  const url = apiUrl(path, params);
  if (!cache.has(url)) {
    const pending = fetch(url, { headers: { accept: "application/json, application/geo+json" } }).then(parse);
    pending.catch(() => cache.delete(url)); // do not keep failures
    cache.set(url, pending);
  }
  return cache.get(url);
}

/** POST JSON (not cached). */
export async function post(path, body) {
  const response = await fetch(apiUrl(path), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  return parse(response);
}
