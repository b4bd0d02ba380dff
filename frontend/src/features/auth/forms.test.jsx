import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "../../lib/auth.jsx";
import { checkSongFile, defaultOrientation } from "../generate/GeneratePage.jsx";
import { PasswordForm, RegisterPage, validateRegistration } from "./AuthPages.jsx";

describe("registration form", () => {
  it("validates before sending", () => {
    expect(validateRegistration({ email: "x", password: "short", display_name: " " })).toEqual({
      display_name: "Tell us what to call you", email: "Enter a valid email address", password: "Use at least 8 characters",
    });
    expect(validateRegistration({ email: "a@b.co", password: "long enough", display_name: "Ana" })).toEqual({});
  });

  it("shows the field errors and sends nothing", async () => {
    render(<MemoryRouter><AuthProvider><RegisterPage /></AuthProvider></MemoryRouter>);
    await userEvent.type(screen.getByLabelText("Email"), "not-an-email");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(screen.getByText("Enter a valid email address")).toBeInTheDocument();
    expect(screen.getByText("Use at least 8 characters")).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveAttribute("aria-invalid", "true");
  });
});

describe("song file check", () => {
  it("refuses other types and files over 25 MB before uploading", () => {
    expect(checkSongFile({ name: "notes.pdf", size: 10 })).toMatch(/mp3, wav/);
    expect(checkSongFile({ name: "song.mp3", size: 26 * 1024 * 1024 })).toMatch(/25 MB/);
    expect(checkSongFile({ name: "Song.FLAC", size: 1024 })).toBeNull();
  });
});

describe("video orientation", () => {
  it("fills a phone's screen unless the dancer chooses otherwise", () => {
    expect(defaultOrientation(390)).toBe("portrait");
    expect(defaultOrientation(1280)).toBe("landscape");
  });
});

describe("password change", () => {
  afterEach(() => { vi.unstubAllGlobals(); window.localStorage.clear(); });

  it("checks the fields, then keeps this tab signed in with the new tokens", async () => {
    const pair = { access: "new-access", refresh: "new-refresh", user: { id: 1, display_name: "Ana", preferences: {} } };
    const fetchMock = vi.fn(async () => new Response(JSON.stringify(pair), { status: 200, headers: { "Content-Type": "application/json" } }));
    vi.stubGlobal("fetch", fetchMock);
    render(<MemoryRouter><AuthProvider><PasswordForm /></AuthProvider></MemoryRouter>);
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByText("Enter your current password")).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText("Current password"), "old-steps-1");
    await userEvent.type(screen.getByLabelText("New password"), "new-steps-2");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByRole("status")).toHaveTextContent("other devices are signed out");
    const [path, request] = fetchMock.mock.calls[0];
    expect(path).toBe("/api/auth/password");
    expect(JSON.parse(request.body)).toEqual({ current_password: "old-steps-1", new_password: "new-steps-2" });
    expect(JSON.parse(window.localStorage.getItem("bachata-buddy.tokens"))).toEqual({ access: "new-access", refresh: "new-refresh" });
  });
});
