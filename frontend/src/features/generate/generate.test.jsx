import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formChoice, recalledChoice, rememberChoice, titleFromKey } from "./choices.js";
import GeneratePage, { RenderRefused, songLabel } from "./GeneratePage.jsx";
import { describeTask } from "./RendersPage.jsx";
import { RenderFacts } from "./TaskPage.jsx";
import { ApiError } from "../../lib/api.js";

afterEach(() => { window.localStorage.clear(); vi.unstubAllGlobals(); });

describe("remembered choices", () => {
  it("keeps each task's song and settings, only the form's fields, and a bounded number of them", () => {
    rememberChoice("t1", { song: "songs/a.wav", difficulty: "advanced", style: "sensual", video_path: "x" });
    expect(recalledChoice("t1")).toEqual({ song: "songs/a.wav", difficulty: "advanced", style: "sensual" });
    expect(recalledChoice("other")).toBeNull();
    for (let index = 0; index < 60; index += 1) rememberChoice(`n${index}`, { song: "s" });
    expect(recalledChoice("t1")).toBeNull();
    expect(recalledChoice("n59")).toEqual({ song: "s" });
    expect(formChoice(null)).toEqual({});
  });

  it("brings the last choice back into the form (Try again)", async () => {
    const choice = { song: "songs/Romeo_Propuesta.wav", difficulty: "advanced", style: "playful" };
    const songs = [{ id: choice.song, title: "Propuesta", source: "library", tempo: 127.4, duration: 185 }];
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ songs }), { status: 200 }));
    render(
      <MemoryRouter initialEntries={[{ pathname: "/generate", state: { choice } }]}>
        <Routes><Route path="/generate" element={<GeneratePage />} /></Routes>
      </MemoryRouter>,
    );
    expect(await screen.findByLabelText("Song")).toHaveValue(choice.song);
    expect(screen.getByLabelText("Difficulty")).toHaveValue("advanced");
    expect(screen.getByLabelText("Style")).toHaveValue("playful");
    expect(screen.getByRole("option", { name: "Propuesta · 127 BPM · 3:05" })).toBeInTheDocument();
  });
});

describe("what a render used", () => {
  it("names the song, length, tempo and settings", () => {
    const choice = { song: "songs/Romeo_Propuesta.wav", difficulty: "beginner", energy_level: null, style: "sensual" };
    render(<RenderFacts choice={choice} result={{ sequence_duration: 185.2, tempo: 127.6 }} />);
    const facts = screen.getByTestId("render-facts");
    for (const text of ["Romeo Propuesta", "3:05", "128 BPM", "beginner", "any", "sensual"]) {
      expect(facts).toHaveTextContent(text);
    }
  });

  it("describes a task in the renders list from its result, or from what this browser remembers", () => {
    const done = { task_id: "a", created_at: 0, result: { parameters: { song: "uploads/user_1/x.mp3", difficulty: "advanced" }, sequence_duration: 61 } };
    expect(describeTask(done)).toMatchObject({ song: "x", settings: "advanced · 1:01" });
    expect(describeTask({ task_id: "b", created_at: 0, result: null }, { song: "songs/Aventura.mp3", difficulty: "beginner" }))
      .toMatchObject({ song: "Aventura", settings: "beginner" });
    expect(titleFromKey("songs/Romeo_Propuesta.wav")).toBe("Romeo Propuesta");
  });

  it("links a refused render to the dancer's renders", () => {
    render(<MemoryRouter><RenderRefused error={new ApiError(429, "too_many_renders", "You already have 2 choreographies rendering")} /></MemoryRouter>);
    expect(screen.getByRole("link", { name: "See your renders" })).toHaveAttribute("href", "/renders");
    expect(songLabel({ title: "Upload", duration: null, tempo: null })).toBe("Upload");
  });
});

describe("describe in words", () => {
  it("says what it understood and could not use, and fills the form with it", async () => {
    const reading = {
      parameters: { difficulty: "advanced", energy_level: "medium", style: "sensual", tempo: "slow", specific_moves: ["hammerlock"] },
      source: "keywords",
      understood: ["advanced difficulty", "sensual style", "slow: the video starts at 0.75x speed"],
      not_used: ["hammerlock: we cannot ask for a particular move yet", "zumba"],
      task: null,
    };
    vi.stubGlobal("fetch", async (path) => new Response(JSON.stringify(path.includes("describe") ? reading : { songs: [] }), { status: 200 }));
    render(<MemoryRouter><GeneratePage /></MemoryRouter>);
    await userEvent.type(await screen.findByLabelText("Or describe the dance in words"), "advanced sensual slow hammerlock zumba");
    await userEvent.click(screen.getByRole("button", { name: "Understand my request" }));
    const said = await screen.findByTestId("reading");
    expect(said).toHaveTextContent("I understood: advanced difficulty; sensual style; slow: the video starts at 0.75x speed.");
    expect(said).toHaveTextContent("I could not use: hammerlock: we cannot ask for a particular move yet; zumba.");
    expect(screen.getByLabelText("Difficulty")).toHaveValue("advanced");
    expect(screen.getByLabelText("Style")).toHaveValue("sensual");
  });
});
