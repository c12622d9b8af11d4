// The API client: JSON calls, problem+json turned into sentences, and the session with its
// invisible token refresh (shortly before the access token expires, and once on a 401).

const SESSION_KEY = "videoshare.session";
const REFRESH_EARLY_MS = 60_000;

export class ApiError extends Error {
  constructor(status, detail, { type = "", errors = [] } = {}) {
    super(detail);
    this.status = status;
    this.type = type;
    this.errors = errors;
  }
}

let session = loadSession();
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

function loadSession() {
  try {
    const stored = JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
    return stored && stored.access_token && stored.refresh_token ? stored : null;
  } catch {
    return null;
  }
}

function setSession(next) {
  session = next;
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else localStorage.removeItem(SESSION_KEY);
  scheduleRefresh();
  for (const listener of listeners) listener(session);
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!session) return;
  const wait = Math.max(0, session.expires_at - Date.now() - REFRESH_EARLY_MS);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
}
scheduleRefresh();

window.addEventListener("storage", (event) => {
  if (event.key === SESSION_KEY) {
    session = loadSession();
    scheduleRefresh();
    for (const listener of listeners) listener(session);
  }
});

export function currentSession() {
  return session;
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function sessionFrom(tokens, email, userId) {
  return {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token || session?.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
    email,
    user_id: userId,
  };
}

/** Claims of a JWT, read without verifying (the server verifies; this only reads `sub`). */
function claims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload));
  } catch {
    return {};
  }
}

export async function login(email, password) {
  const tokens = await call("POST", "/v1/auth/login", { body: { email, password }, auth: false });
  setSession(sessionFrom(tokens, email, claims(tokens.access_token).sub));
}

export async function register(email, password, displayName) {
  const body = { email, password };
  if (displayName) body.display_name = displayName;
  return call("POST", "/v1/auth/register", { body, auth: false });
}

/** Forget the session here without asking the server (the account is gone). */
export function endSession() {
  setSession(null);
}

export async function logout() {
  try {
    if (session) await call("POST", "/v1/auth/logout");
  } finally {
    setSession(null);
  }
}

/** One refresh at a time, however many callers want one. */
export function refresh() {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  if (!session) throw new ApiError(401, "Please log in.");
  const started = session;
  const { email, user_id: userId } = started;
  let tokens;
  try {
    tokens = await call("POST", "/v1/auth/refresh", {
      body: { refresh_token: started.refresh_token },
      auth: false,
    });
  } catch (error) {
    if (error.status === 400 || error.status === 401) {
      if (session === started) setSession(null);
      throw new ApiError(401, "Your session has ended; please log in again.");
    }
    throw error;
  }
  // Logged out (or in again) while the refresh was on its way: its tokens are not wanted.
  if (session !== started) throw new ApiError(401, "Please log in.");
  setSession(sessionFrom(tokens, email, userId));
}

/** A fresh access token (refreshed first when it is about to expire), or null. */
export async function accessToken() {
  if (!session) return null;
  if (Date.now() > session.expires_at - REFRESH_EARLY_MS / 2) await refresh();
  return session ? session.access_token : null;
}

/** A JSON call: the parsed body, null for an empty answer; failures as ApiError sentences. */
export async function call(method, path, { body, auth = true, query, retried = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = auth ? await accessToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "The server could not be reached; check your connection and try again.");
  }
  if (response.status === 401 && token && !retried) {
    // Several calls refused at once: the first refreshes, the others only try again.
    if (!session || session.access_token === token) await refresh();
    return call(method, path, { body, auth, query, retried: true });
  }
  if (!response.ok) throw await problemOf(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The problem+json `detail` as an ApiError; a sentence of our own when there is none. */
export async function problemOf(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      const problem = await response.json();
      const detail = problem.detail || problem.title;
      if (detail) {
        return new ApiError(response.status, detail, {
          type: problem.type || "",
          errors: problem.errors || [],
        });
      }
    } catch {
      // not JSON after all: fall through to the generic sentence
    }
  }
  return new ApiError(
    response.status,
    `The server answered ${response.status} ${response.statusText}; please try again.`,
  );
}

/** The sentence to show for any error thrown by the calls above (or by anything else). */
export function sentence(error) {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong in the page; reload it and try again.";
}
