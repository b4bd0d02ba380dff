import { act, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TOKENS_KEY } from "./api.js";
import { AuthProvider, useAuth } from "./auth.jsx";

function Who() {
  const { user, loading } = useAuth();
  return <p data-testid="who">{loading ? "loading" : user ? user.display_name : "signed out"}</p>;
}

// What another tab's change of the tokens looks like to this one.
function otherTab(oldValue, newValue) {
  if (newValue === null) window.localStorage.removeItem(TOKENS_KEY);
  else window.localStorage.setItem(TOKENS_KEY, newValue);
  window.dispatchEvent(new StorageEvent("storage", { key: TOKENS_KEY, oldValue, newValue }));
}

describe("signing in and out in another tab", () => {
  afterEach(() => { window.localStorage.clear(); vi.unstubAllGlobals(); });

  it("follows a sign-out and a sign-in made elsewhere", async () => {
    const tokens = JSON.stringify({ access: "a", refresh: "r" });
    window.localStorage.setItem(TOKENS_KEY, tokens);
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ id: 1, display_name: "Ana" }), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    render(<AuthProvider><Who /></AuthProvider>);
    expect(await screen.findByText("Ana")).toBeInTheDocument();

    act(() => otherTab(tokens, JSON.stringify({ access: "a2", refresh: "r2" })));
    expect(fetchMock).toHaveBeenCalledTimes(1); // a refresh elsewhere is no sign-in
    act(() => otherTab(tokens, null));
    expect(screen.getByTestId("who")).toHaveTextContent("signed out");

    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ id: 2, display_name: "Maria" }), { status: 200 }));
    act(() => otherTab(null, tokens));
    expect(await screen.findByText("Maria")).toBeInTheDocument();
  });
});
