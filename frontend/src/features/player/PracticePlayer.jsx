import { useEffect, useRef, useState } from "react";
import { Button } from "../../components/ui.jsx";
import { cueAt } from "./vtt.js";

export const SPEEDS = [0.5, 0.75, 0.9, 1, 1.1, 1.25];
const format = (t) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, "0")}`;

// The video with practice controls: A-B loop (±1 s nudges), speed, mirror, and the counts on screen.
export default function PracticePlayer({ src, cues = [], videoRef: outerRef, onTime = () => {} }) {
  const innerRef = useRef(null);
  const video = outerRef ?? innerRef;
  const [time, setTime] = useState(0);
  const [speed, setSpeed] = useState(1);
  const [mirrored, setMirrored] = useState(false);
  const [loop, setLoop] = useState({ a: null, b: null, on: false });

  useEffect(() => {
    if (video.current) video.current.playbackRate = speed;
  }, [speed, video]);

  function onTimeUpdate() {
    const element = video.current;
    if (loop.on && loop.a !== null && loop.b !== null && element.currentTime >= loop.b) {
      element.currentTime = loop.a;
    }
    setTime(element.currentTime);
    onTime(element.currentTime);
  }

  const duration = () => video.current?.duration || Infinity;
  const clamp = (t) => Math.min(Math.max(0, t), duration());
  const mark = (point) => setLoop((current) => ({ ...current, [point]: video.current.currentTime }));
  const nudge = (point, delta) => setLoop((current) => current[point] === null ? current : { ...current, [point]: clamp(current[point] + delta) });
  const cue = cueAt(cues, time);
  const loopReady = loop.a !== null && loop.b !== null && loop.b > loop.a;

  return (
    <div className="flex flex-col gap-3">
      <div className="relative overflow-hidden rounded-xl bg-black">
        <video ref={video} src={src} controls playsInline data-testid="video" onTimeUpdate={onTimeUpdate}
          className="max-h-[80vh] w-full bg-black object-contain" style={{ transform: mirrored ? "scaleX(-1)" : "none" }} />
        {cue && (
          <div aria-live="off" data-testid="count" className="pointer-events-none absolute left-2 top-2 rounded-lg bg-black/60 px-3 py-1 text-white">
            <span className="text-2xl font-bold">{cue.count}</span> <span className="text-sm">{cue.move}</span>
          </div>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label htmlFor="speed" className="font-medium">Speed</label>
        <select id="speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))} className="rounded border border-rose-200 px-2 py-1">
          {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
        </select>
        <Button variant="secondary" aria-pressed={mirrored} onClick={() => setMirrored(!mirrored)}>
          {mirrored ? "Mirrored" : "Mirror"}
        </Button>
      </div>
      <div className="flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="A-B loop">
        {["a", "b"].map((point) => (
          <span key={point} className="flex items-center gap-1">
            <Button variant="secondary" onClick={() => mark(point)}>Set {point.toUpperCase()}</Button>
            <Button variant="secondary" aria-label={`${point.toUpperCase()} back 1 second`} onClick={() => nudge(point, -1)}>−1s</Button>
            <Button variant="secondary" aria-label={`${point.toUpperCase()} forward 1 second`} onClick={() => nudge(point, 1)}>+1s</Button>
            <span data-testid={`loop-${point}`} className="w-10 tabular-nums">{loop[point] === null ? "–" : format(loop[point])}</span>
          </span>
        ))}
        <Button aria-pressed={loop.on} disabled={!loopReady} onClick={() => setLoop({ ...loop, on: !loop.on })}>
          {loop.on ? "Looping" : "Loop A-B"}
        </Button>
      </div>
    </div>
  );
}
