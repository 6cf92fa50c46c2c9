// The controller's API from the page. The admin token lives in this tab's sessionStorage (gone when the
// tab closes) and travels only in the Authorization header of the requests that change something: never
// in the page's HTML, a URL or a cookie, so no other site can make the browser send it (no CSRF).
const KEY = 'cascade-lab.admin-token';

export const adminToken = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (token) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A JSON call; rejects with ApiError(status, the controller's own message). */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = adminToken.get();
  if (token && method !== 'GET') headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `the controller cannot be reached (${err.message})`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) throw new ApiError(res.status, data?.error?.message ?? (typeof data === 'string' ? data : `HTTP ${res.status}`));
  return data;
}

/** GET /api/admin with the token: true when the controller accepts it. */
export async function checkToken(token) {
  const res = await fetch('/api/admin', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  return res.ok;
}
