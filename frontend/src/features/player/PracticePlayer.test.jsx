import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import PracticePlayer from "./PracticePlayer.jsx";
import { cueAt, parseCounts } from "./vtt.js";

const VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:01.500\n1 · Basic\n\n00:00:01.500 --> 00:00:02.000\n2 · Basic · Side\n";

function seek(video, time) {
  video.currentTime = time;
  fireEvent.timeUpdate(video);
}

const EIGHTS = Array.from({ length: 16 }, (_, i) => `00:00:${String(1 + i * 0.5 < 10 ? "0" : "") + (1 + i * 0.5).toFixed(3)} --> 00:00:${String(1.5 + i * 0.5 < 10 ? "0" : "") + (1.5 + i * 0.5).toFixed(3)}\n${(i % 8) + 1} · ${i < 8 ? "Basic" : "Spin"}`).join("\n\n");

describe("PracticePlayer", () => {
  it("changes speed and mirrors the picture only, never its controls", async () => {
    render(<PracticePlayer src="/v.mp4" />);
    const video = screen.getByTestId("video");
    expect(video).not.toHaveAttribute("controls"); // our own controls, outside the flipped picture
    await userEvent.selectOptions(screen.getByLabelText("Speed"), "0.5");
    expect(video.playbackRate).toBe(0.5);
    await userEvent.selectOptions(screen.getByLabelText("Speed"), "1.25");
    expect(video.playbackRate).toBe(1.25);
    await userEvent.click(screen.getByRole("button", { name: "Mirror" }));
    expect(video.style.transform).toBe("scaleX(-1)");
    expect(screen.getByTestId("controls").style.transform).toBe("");
    expect(screen.getByTestId("player-frame").style.transform).toBe("");
    await userEvent.click(screen.getByRole("button", { name: "Mirrored" }));
    expect(video.style.transform).toBe("none");
  });

  it("sets loop points on the 1s and names them by move and count", async () => {
    render(<PracticePlayer src="/v.mp4" cues={parseCounts(EIGHTS)} />);
    const video = screen.getByTestId("video");
    const loop = screen.getByRole("button", { name: "Loop A-B" });
    expect(loop).toBeDisabled();
    seek(video, 1.4);
    await userEvent.click(screen.getByRole("button", { name: "Set A" }));
    seek(video, 4.6);
    await userEvent.click(screen.getByRole("button", { name: "Set B" }));
    expect(screen.getByTestId("loop-range")).toHaveTextContent("Basic, count 1 → Basic, count 8");
    await userEvent.click(screen.getByRole("button", { name: "B forward one 8-count" }));
    expect(screen.getByTestId("loop-range")).toHaveTextContent("Basic, count 1 → Spin, count 8");
    await userEvent.click(loop);
    seek(video, 9.05);
    expect(video.currentTime).toBe(1);
    await userEvent.click(screen.getByLabelText("Snap to every count (not just the 1s)"));
    seek(video, 2.1);
    await userEvent.click(screen.getByRole("button", { name: "Set A" }));
    expect(screen.getByTestId("loop-a")).toHaveTextContent("Basic, count 3");
  });

  it("answers the keyboard, but not while the dancer types", async () => {
    render(<><input aria-label="Notes" /><PracticePlayer src="/v.mp4" cues={parseCounts(EIGHTS)} /></>);
    const video = screen.getByTestId("video");
    seek(video, 2);
    await userEvent.keyboard("{ArrowRight}");
    expect(video.currentTime).toBe(5);
    await userEvent.keyboard("m");
    expect(video.style.transform).toBe("scaleX(-1)");
    await userEvent.keyboard("[[");
    expect(video.playbackRate).toBe(0.9);
    await userEvent.click(screen.getByLabelText("Notes"));
    await userEvent.keyboard("m]");
    expect(video.style.transform).toBe("scaleX(-1)");
    expect(video.playbackRate).toBe(0.9);
    expect(screen.getByTestId("shortcuts")).toHaveTextContent("previous 8-count");
  });

  it("shows the count, big or small, with or without the move", async () => {
    render(<PracticePlayer src="/v.mp4" cues={parseCounts(VTT)} />);
    seek(screen.getByTestId("video"), 1.6);
    expect(screen.getByTestId("count")).toHaveTextContent("2Basic · Side");
    await userEvent.selectOptions(screen.getByLabelText("Counts"), "big");
    expect(screen.getByTestId("count").querySelector("span").className).toContain("text-7xl");
    await userEvent.click(screen.getByLabelText("Count only"));
    expect(screen.getByTestId("count")).toHaveTextContent(/^2$/);
  });

  it("loops a move asked for from outside (a tap on the timeline)", () => {
    const { rerender } = render(<PracticePlayer src="/v.mp4" cues={parseCounts(EIGHTS)} />);
    rerender(<PracticePlayer src="/v.mp4" cues={parseCounts(EIGHTS)} loopRequest={{ a: 5, b: 9 }} />);
    const video = screen.getByTestId("video");
    expect(video.currentTime).toBe(5);
    expect(screen.getByRole("button", { name: "Looping" })).toBeInTheDocument();
    expect(screen.getByTestId("loop-range")).toHaveTextContent("Spin, count 1 → Spin, count 8");
  });
});

describe("parseCounts", () => {
  it("reads cues with their counts and move names", () => {
    const cues = parseCounts(VTT);
    expect(cues).toEqual([{ start: 1, end: 1.5, count: 1, move: "Basic" }, { start: 1.5, end: 2, count: 2, move: "Basic · Side" }]);
    expect(cueAt(cues, 1.2).count).toBe(1);
    expect(cueAt(cues, 5)).toBeNull();
  });
});
