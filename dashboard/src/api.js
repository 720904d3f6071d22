// Every data call: the pasted management key as a Bearer header, errors as ApiError with the
// server's own message. The key lives in sessionStorage (gone when the tab closes) and
// never in a URL, so it stays out of history, logs and Referer headers.

const STORAGE_KEY = 'switchyard.managementKey';

export const session = {
  key: () => sessionStorage.getItem(STORAGE_KEY),
  signIn: (key) => sessionStorage.setItem(STORAGE_KEY, key),
  signOut: () => sessionStorage.removeItem(STORAGE_KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  // 401 and 403: the key itself is the problem, so the dashboard asks for another.
  get isAuth() {
    return this.status === 401 || this.status === 403;
  }
}

// Query strings from objects, skipping empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function request(path, key) {
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `Cannot reach the server (${e.message})`);
  }
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  return res;
}

async function errorMessage(res) {
  const text = await res.text();
  try {
    return JSON.parse(text).error.message || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}: ${text.slice(0, 200) || res.statusText}`;
  }
}

// JSON body and headers; `key` defaults to the signed-in one.
export async function getJson(path, key = session.key()) {
  const res = await request(path, key);
  return { body: await res.json(), headers: res.headers };
}

export async function getText(path, key = session.key()) {
  return (await request(path, key)).text();
}
