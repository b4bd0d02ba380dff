// The one API client: attaches the access token, refreshes it once on a 401, then signs the user out.
export const TOKENS_KEY = "bachata-buddy.tokens";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  fieldErrors() {
    const details = Array.isArray(this.details) ? this.details : [];
    return Object.fromEntries(details.filter((d) => d.field).map((d) => [d.field, d.message || this.message]));
  }
}

// fetch's shape over XMLHttpRequest, which alone reports upload progress (`onProgress(fraction)`).
export function fetchWithProgress(path, { method, headers, body }, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    Object.entries(headers).forEach(([name, value]) => xhr.setRequestHeader(name, value));
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () =>
      resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText }));
    xhr.onerror = () => reject(new TypeError("Network error while uploading"));
    xhr.send(body);
  });
}

export function createApi({ fetchImpl = (...args) => fetch(...args), storage = window.localStorage, onSignOut = () => {} } = {}) {
  let refreshing = null;

  const tokens = () => JSON.parse(storage.getItem(TOKENS_KEY) || "null");
  const setTokens = (pair) =>
    pair ? storage.setItem(TOKENS_KEY, JSON.stringify({ access: pair.access, refresh: pair.refresh })) : storage.removeItem(TOKENS_KEY);

  function signOut() {
    setTokens(null);
    onSignOut();
  }

  async function refresh(refreshToken) {
    const response = await fetchImpl("/api/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh: refreshToken }),
    });
    if (!response.ok) return false;
    setTokens(await response.json());
    return true;
  }

  async function request(path, { method = "GET", json, form, retry = true, as = "json", onProgress } = {}) {
    const current = tokens();
    const headers = current ? { Authorization: `Bearer ${current.access}` } : {};
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    const init = { method, headers, body };
    const response = await (onProgress ? fetchWithProgress(path, init, onProgress) : fetchImpl(path, init));
    if (response.status === 401 && current) {
      if (retry) {
        // Concurrent 401s share one refresh: a rotated refresh token must not be presented twice.
        refreshing ??= refresh(current.refresh).finally(() => (refreshing = null));
        if (await refreshing) return request(path, { method, json, form, retry: false, as, onProgress });
      }
      signOut();
    }
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      const error = data?.error ?? {};
      throw new ApiError(response.status, error.code, error.message || response.statusText || "Request failed", error.details);
    }
    if (response.status === 204) return null;
    return as === "text" ? response.text() : response.json();
  }

  return {
    tokens,
    setTokens,
    signOut,
    get: (path) => request(path),
    text: (path) => request(path, { as: "text" }),
    post: (path, json) => request(path, { method: "POST", json }),
    patch: (path, json) => request(path, { method: "PATCH", json }),
    del: (path) => request(path, { method: "DELETE" }),
    upload: (path, form, onProgress) => request(path, { method: "POST", form, onProgress }),
  };
}

export const SIGNED_OUT_EVENT = "bachata-buddy:signed-out";

export const api = createApi({ onSignOut: () => window.dispatchEvent(new Event(SIGNED_OUT_EVENT)) });
