import { describe, expect, it } from "vitest";
import { describePoint, moveLoop, shortcutAction, snapToCount, stepByCount, stepSpeed } from "./counts.js";

// Two 8-counts at 0.5 s a beat from 1.0 s: "Basic" then "Spin".
const cues = Array.from({ length: 16 }, (_, i) => ({
  start: 1 + i * 0.5, end: 1.5 + i * 0.5, count: (i % 8) + 1, move: i < 8 ? "Basic" : "Spin",
}));

describe("loop points by count", () => {
  it("snap to the nearest 1, or to any count when asked", () => {
    expect(snapToCount(cues, 2.2)).toBe(1);
    expect(snapToCount(cues, 4.4)).toBe(5);
    expect(snapToCount(cues, 8.9)).toBe(9); // the end of the last 8-count is a stop too
    expect(snapToCount(cues, 2.2, { everyCount: true })).toBe(2);
    expect(snapToCount([], 2.2)).toBe(2.2);
  });

  it("step by 8-counts (or counts), and by seconds without a track", () => {
    expect(stepByCount(cues, 1, 1)).toBe(5);
    expect(stepByCount(cues, 5, 1)).toBe(9);
    expect(stepByCount(cues, 9, 1)).toBe(9);
    expect(stepByCount(cues, 6, -1)).toBe(5);
    expect(stepByCount(cues, 5.1, -1)).toBe(1); // just after a 1, back means the one before
    expect(stepByCount(cues, 2, 1, { everyCount: true })).toBe(2.5);
    expect(stepByCount([], 3, -1)).toBe(2);
  });

  it("are named as a dancer says them", () => {
    expect(describePoint(cues, 1)).toBe("Basic, count 1");
    expect(describePoint(cues, 9, { end: true })).toBe("Spin, count 8");
    expect(describePoint(cues, 5, { end: true })).toBe("Basic, count 8");
    expect(describePoint(cues, null)).toBe("–");
    expect(describePoint([], 65)).toBe("1:05");
  });
});

describe("keyboard shortcuts", () => {
  const press = (key, target = { tagName: "DIV" }, extra = {}) => shortcutAction({ key, target, ...extra });

  it("map keys to player actions", () => {
    expect([" ", "l", "L", "m", "[", "]", "ArrowLeft", "ArrowRight", "Home", "End"].map((key) => press(key))).toEqual(
      ["play", "loop", "loop", "mirror", "slower", "faster", "previous", "next", "start", "end"]);
    expect(press("x")).toBeNull();
    expect(press("l", { tagName: "DIV" }, { ctrlKey: true })).toBeNull();
  });

  it("never fire while typing or choosing", () => {
    for (const tagName of ["INPUT", "TEXTAREA", "SELECT"]) expect(press("m", { tagName })).toBeNull();
    expect(press("m", { tagName: "DIV", isContentEditable: true })).toBeNull();
    expect(press(" ", { tagName: "BUTTON" })).toBeNull(); // space presses the button itself
    expect(press("m", { tagName: "BUTTON" })).toBe("mirror");
  });

  it("step the speed within its list", () => {
    const speeds = [0.5, 0.75, 1, 1.25];
    expect(stepSpeed(speeds, 1, -1)).toBe(0.75);
    expect(stepSpeed(speeds, 0.5, -1)).toBe(0.5);
    expect(stepSpeed(speeds, 1.25, 1)).toBe(1.25);
  });
});

describe("looping a move", () => {
  it("starts on the move's first 1, not in the lead-in before the song's first beat", () => {
    expect(moveLoop(cues, { start: 0, end: 5 })).toEqual({ a: 1, b: 5 });
    expect(describePoint(cues, moveLoop(cues, { start: 0, end: 5 }).a)).toBe("Basic, count 1");
    expect(moveLoop(cues, { start: 5, end: 9 })).toEqual({ a: 5, b: 9 });
    expect(moveLoop([], { start: 2, end: 4 })).toEqual({ a: 2, b: 4 });
  });
});
