import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import Timeline, { initials } from "./Timeline";

const segments = [
  { start: 0, end: 10, move: "Energetic arms cross with sensual shadow" },
  { start: 10, end: 20, move: "Basic" },
];

describe("Timeline", () => {
  it("keeps every move name readable: whole on wide screens, initials on a phone, the full name as tooltip and below", () => {
    expect(initials("Sensual basic with head roll")).toBe("SBWHR");
    render(<Timeline duration={100} segments={segments} time={12} onSeek={() => {}} />);
    const [first] = screen.getAllByTestId("move-block");
    expect(first).toHaveAttribute("title", "Energetic arms cross with sensual shadow");
    expect(first).toHaveTextContent("Energetic arms cross with sensual shadow");
    expect(first).toHaveTextContent("EACWSS");
    expect(screen.getByTestId("current-move")).toHaveTextContent("Now: Basic");
    expect(screen.getByTestId("legend")).toHaveTextContent("a move: tap to loop it");
  });

  it("loops a tapped move, and seeks to the start of the move under a click on the song", async () => {
    const onSeek = vi.fn();
    const onLoopMove = vi.fn();
    render(<Timeline duration={100} segments={segments} onSeek={onSeek} onLoopMove={onLoopMove} />);
    await userEvent.click(screen.getByRole("button", { name: "Loop Basic" }));
    expect(onLoopMove).toHaveBeenCalledWith(segments[1]);
    const band = screen.getByTestId("song-band");
    band.getBoundingClientRect = () => ({ left: 0, width: 1000, top: 0, height: 64 });
    fireEvent.click(band, { clientX: 150 }); // 15 s: inside "Basic", which starts at 10 s
    expect(onSeek).toHaveBeenCalledWith(10);
    fireEvent.click(band, { clientX: 500 }); // after the last move: the second clicked
    expect(onSeek).toHaveBeenLastCalledWith(50);
  });
});
