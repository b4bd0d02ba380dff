import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { usePolling } from "./usePolling.js";

function Probe({ load, id = null }) {
  const { data } = usePolling(load, { interval: 2000, isDone: (d) => d.status === "completed", key: id });
  return <p>{data ? `${data.id ?? ""}${data.status}` : "none"}</p>;
}

describe("usePolling", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("polls every 2 s and stops at a terminal state", async () => {
    const states = ["started", "running", "completed", "never"];
    const load = vi.fn(async () => ({ status: states.shift() }));
    render(<Probe load={load} />);
    await act(async () => {});
    expect(screen.getByText("started")).toBeInTheDocument();
    await act(async () => vi.advanceTimersByTimeAsync(2000));
    expect(screen.getByText("running")).toBeInTheDocument();
    await act(async () => vi.advanceTimersByTimeAsync(2000));
    expect(screen.getByText("completed")).toBeInTheDocument();
    await act(async () => vi.advanceTimersByTimeAsync(10000));
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("stops polling when unmounted", async () => {
    const load = vi.fn(async () => ({ status: "running" }));
    const { unmount } = render(<Probe load={load} />);
    await act(async () => {});
    unmount();
    await act(async () => vi.advanceTimersByTimeAsync(10000));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("forgets a finished task at once when the key changes, and polls the new one", async () => {
    const load = vi.fn(async (id) => ({ id, status: id === "old" ? "completed" : "running" }));
    const { rerender } = render(<Probe id="old" load={() => load("old")} />);
    await act(async () => {});
    expect(screen.getByText("oldcompleted")).toBeInTheDocument();
    let release;
    load.mockImplementationOnce(() => new Promise((resolve) => { release = resolve; }));
    rerender(<Probe id="new" load={() => load("new")} />);
    expect(screen.getByText("none")).toBeInTheDocument();
    await act(async () => release({ id: "new", status: "running" }));
    expect(screen.getByText("newrunning")).toBeInTheDocument();
    await act(async () => vi.advanceTimersByTimeAsync(2000));
    expect(load).toHaveBeenLastCalledWith("new");
  });
});
