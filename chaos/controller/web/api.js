// The controller's API from the page. A token (the admin's on the facilitator's page, the responders'
// on theirs) lives in this tab's sessionStorage (gone when the tab closes) and travels only in the
// Authorization header of the page's own requests: never in the page's HTML, a URL or a cookie, so no
// other site can make the browser send it (no CSRF). During a game day even the facilitator's reads
// need it, so it goes with every request.
const stored = (key) => ({
  get: () => sessionStorage.getItem(key) ?? '',
  set: (value) => sessionStorage.setItem(key, value),
  clear: () => sessionStorage.removeItem(key),
});

export const adminToken = stored('cascade-lab.admin-token');
export const respondersToken = stored('cascade-lab.responders-token');
export const responderName = stored('cascade-lab.responder-name');

/** The Authorization header for a token, or none. */
export const bearer = (token) => (token ? { authorization: `Bearer ${token}` } : {});

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A JSON call with a token (the admin's by default); rejects with ApiError(status, the controller's own message). */
export async function api(method, path, body, token = adminToken.get()) {
  const headers = { accept: 'application/json', ...bearer(token) };
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

/** GET /api/admin (or another check) with the token: true when the controller accepts it. */
export async function checkToken(token, path = '/api/admin') {
  const res = await fetch(path, { headers: bearer(token), cache: 'no-store' });
  return res.ok;
}
