import { describe, expect, it, vi } from "vitest";
import { ApiError, createApi } from "./api.js";

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, v), removeItem: (k) => data.delete(k) };
}

const json = (status, body) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function setup(responses) {
  const calls = [];
  const fetchImpl = vi.fn(async (path, init) => {
    calls.push({ path, init });
    return responses.shift()(path, init);
  });
  const onSignOut = vi.fn();
  const api = createApi({ fetchImpl, storage: memoryStorage(), onSignOut });
  api.setTokens({ access: "old-access", refresh: "old-refresh" });
  return { api, calls, onSignOut };
}

describe("api client", () => {
  it("sends the access token and JSON", async () => {
    const { api, calls } = setup([() => json(200, { ok: true })]);
    expect(await api.post("/api/x", { a: 1 })).toEqual({ ok: true });
    expect(calls[0].init.headers).toEqual({ Authorization: "Bearer old-access", "Content-Type": "application/json" });
    expect(calls[0].init.body).toBe('{"a":1}');
  });

  it("refreshes once on a 401 and retries with the new token", async () => {
    const { api, calls, onSignOut } = setup([
      () => json(401, { error: { code: "invalid_token", message: "expired" } }),
      () => json(200, { access: "new-access", refresh: "new-refresh" }),
      () => json(200, { me: true }),
    ]);
    expect(await api.get("/api/auth/me")).toEqual({ me: true });
    expect(calls.map((c) => c.path)).toEqual(["/api/auth/me", "/api/auth/refresh", "/api/auth/me"]);
    expect(JSON.parse(calls[1].init.body)).toEqual({ refresh: "old-refresh" });
    expect(calls[2].init.headers.Authorization).toBe("Bearer new-access");
    expect(api.tokens()).toEqual({ access: "new-access", refresh: "new-refresh" });
    expect(onSignOut).not.toHaveBeenCalled();
  });

  it("signs out when the refresh fails", async () => {
    const { api, onSignOut } = setup([() => json(401, {}), () => json(401, {})]);
    await expect(api.get("/api/auth/me")).rejects.toBeInstanceOf(ApiError);
    expect(onSignOut).toHaveBeenCalledOnce();
    expect(api.tokens()).toBeNull();
  });

  it("signs out when the retried request is refused again (no second refresh)", async () => {
    const { api, calls, onSignOut } = setup([
      () => json(401, {}),
      () => json(200, { access: "a2", refresh: "r2" }),
      () => json(401, {}),
    ]);
    await expect(api.get("/api/x")).rejects.toMatchObject({ status: 401 });
    expect(calls.filter((c) => c.path === "/api/auth/refresh")).toHaveLength(1);
    expect(onSignOut).toHaveBeenCalledOnce();
  });

  it("shares one refresh between concurrent 401s", async () => {
    const { api, calls } = setup([
      () => json(401, {}),
      () => json(401, {}),
      () => json(200, { access: "a2", refresh: "r2" }),
      () => json(200, { n: 1 }),
      () => json(200, { n: 2 }),
    ]);
    await Promise.all([api.get("/api/one"), api.get("/api/two")]);
    expect(calls.filter((c) => c.path === "/api/auth/refresh")).toHaveLength(1);
  });

  it("turns the error shape into an ApiError with field errors", async () => {
    const { api } = setup([() => json(422, { error: { code: "validation_error", message: "The request is not valid", details: [{ field: "email", message: "bad email" }] } })]);
    const error = await api.post("/api/auth/register", {}).catch((e) => e);
    expect(error).toMatchObject({ status: 422, code: "validation_error", message: "The request is not valid" });
    expect(error.fieldErrors()).toEqual({ email: "bad email" });
  });
});
