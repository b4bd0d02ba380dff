import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import Timeline, { fitName } from "./Timeline";

describe("Timeline", () => {
  it("cuts long move names to their block and keeps the whole name as the tooltip", () => {
    expect(fitName("Sensual basic with head roll", 120)).toBe("Sensual basic…");
    expect(fitName("Basic", 120)).toBe("Basic");
    expect(fitName("Basic", 10)).toBe("");
    const segments = [{ start: 0, end: 10, move: "Energetic arms cross with sensual shadow" }];
    render(<Timeline duration={100} segments={segments} onSeek={() => {}} />);
    const block = screen.getByTestId("move-block");
    expect(block.querySelector("title").textContent).toBe("Energetic arms cross with sensual shadow");
    expect(block.querySelector("text").textContent).toBe("Energetic…");
  });
});
