import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { AuthProvider } from "../../lib/auth.jsx";
import { checkSongFile, defaultOrientation } from "../generate/GeneratePage.jsx";
import { RegisterPage, validateRegistration } from "./AuthPages.jsx";

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
