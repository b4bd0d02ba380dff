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

describe("PracticePlayer", () => {
  it("changes speed and mirrors the video", async () => {
    render(<PracticePlayer src="/v.mp4" />);
    const video = screen.getByTestId("video");
    await userEvent.selectOptions(screen.getByLabelText("Speed"), "0.5");
    expect(video.playbackRate).toBe(0.5);
    await userEvent.selectOptions(screen.getByLabelText("Speed"), "1.25");
    expect(video.playbackRate).toBe(1.25);
    await userEvent.click(screen.getByRole("button", { name: "Mirror" }));
    expect(video.style.transform).toBe("scaleX(-1)");
    await userEvent.click(screen.getByRole("button", { name: "Mirrored" }));
    expect(video.style.transform).toBe("none");
  });

  it("loops between A and B, with one-second nudges", async () => {
    render(<PracticePlayer src="/v.mp4" />);
    const video = screen.getByTestId("video");
    const loop = screen.getByRole("button", { name: "Loop A-B" });
    expect(loop).toBeDisabled();
    seek(video, 4);
    await userEvent.click(screen.getByRole("button", { name: "Set A" }));
    seek(video, 10);
    await userEvent.click(screen.getByRole("button", { name: "Set B" }));
    await userEvent.click(screen.getByRole("button", { name: "A back 1 second" }));
    await userEvent.click(screen.getByRole("button", { name: "B forward 1 second" }));
    expect(screen.getByTestId("loop-a")).toHaveTextContent("0:03");
    expect(screen.getByTestId("loop-b")).toHaveTextContent("0:11");
    await userEvent.click(loop);
    seek(video, 11.2);
    expect(video.currentTime).toBe(3);
  });

  it("shows the count and move from the track", () => {
    render(<PracticePlayer src="/v.mp4" cues={parseCounts(VTT)} />);
    seek(screen.getByTestId("video"), 1.6);
    expect(screen.getByTestId("count")).toHaveTextContent("2 Basic · Side");
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
