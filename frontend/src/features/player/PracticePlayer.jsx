import { useCallback, useEffect, useRef, useState } from "react";
import { Button } from "../../components/ui.jsx";
import { SHORTCUTS, describePoint, formatTime, shortcutAction, snapToCount, stepByCount, stepSpeed } from "./counts.js";
import { cueAt } from "./vtt.js";

export const SPEEDS = [0.5, 0.75, 0.9, 1, 1.1, 1.25];
const COUNT_SIZES = { normal: ["text-3xl", "text-base"], big: ["text-7xl sm:text-8xl", "text-2xl sm:text-3xl"] };

function useFullscreen(element) {
  const [on, setOn] = useState(false);
  useEffect(() => {
    const changed = () => setOn(document.fullscreenElement === element.current);
    document.addEventListener("fullscreenchange", changed);
    return () => document.removeEventListener("fullscreenchange", changed);
  }, [element]);
  const toggle = () => (document.fullscreenElement ? document.exitFullscreen() : element.current?.requestFullscreen?.());
  return [on, toggle];
}

// The video with practice controls of our own (so mirroring flips only the picture, and fullscreen keeps the
// counts): play, position, speed, mirror, counts on screen, and an A-B loop whose points land on counts.
// `loopRequest` ({a, b}) starts a loop from outside, e.g. a move tapped on the timeline.
export default function PracticePlayer({
  src, poster, cues = [], videoRef: outerRef, onTime = () => {}, loopRequest = null, initialSpeed = 1,
}) {
  const innerRef = useRef(null);
  const video = outerRef ?? innerRef;
  const frame = useRef(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(initialSpeed);
  const [mirrored, setMirrored] = useState(false);
  const [countSize, setCountSize] = useState("normal");
  const [countOnly, setCountOnly] = useState(false);
  const [everyCount, setEveryCount] = useState(false);
  const [loop, setLoop] = useState({ a: null, b: null, on: false });
  const [fullscreen, toggleFullscreen] = useFullscreen(frame);

  useEffect(() => {
    if (video.current) video.current.playbackRate = speed;
  }, [speed, video]);

  const reportTime = useRef(onTime);
  reportTime.current = onTime;
  const seek = useCallback((t) => {
    const element = video.current;
    if (!element) return;
    element.currentTime = Math.min(Math.max(0, t), element.duration || t);
    setTime(element.currentTime);
    reportTime.current(element.currentTime);
  }, [video]);

  useEffect(() => {
    if (!loopRequest) return;
    setLoop({ a: loopRequest.a, b: loopRequest.b, on: true });
    seek(loopRequest.a);
    video.current?.play?.()?.catch?.(() => {});
  }, [loopRequest, seek, video]);

  function onTimeUpdate() {
    const element = video.current;
    if (loop.on && loop.a !== null && loop.b !== null && element.currentTime >= loop.b) {
      element.currentTime = loop.a;
    }
    setTime(element.currentTime);
    onTime(element.currentTime);
  }

  const togglePlay = useCallback(() => {
    const element = video.current;
    if (!element) return;
    if (element.paused) element.play()?.catch?.(() => {});
    else element.pause();
  }, [video]);

  const snap = (t) => (cues.length ? snapToCount(cues, t, { everyCount }) : t);
  const mark = (point) => setLoop((current) => ({ ...current, [point]: snap(video.current.currentTime) }));
  const nudge = (point, direction) =>
    setLoop((current) => (current[point] === null ? current : { ...current, [point]: stepByCount(cues, current[point], direction, { everyCount }) }));
  const loopReady = loop.a !== null && loop.b !== null && loop.b > loop.a;
  const unit = !cues.length ? "second" : everyCount ? "count" : "8-count";

  const act = useCallback((action) => {
    const now = video.current?.currentTime ?? 0;
    const actions = {
      play: togglePlay,
      loop: () => setLoop((current) => (current.a !== null && current.b > current.a ? { ...current, on: !current.on } : current)),
      mirror: () => setMirrored((on) => !on),
      slower: () => setSpeed((s) => stepSpeed(SPEEDS, s, -1)),
      faster: () => setSpeed((s) => stepSpeed(SPEEDS, s, 1)),
      previous: () => seek(stepByCount(cues, now, -1)),
      next: () => seek(stepByCount(cues, now, 1)),
      start: () => seek(0),
      end: () => seek((video.current?.duration || 0) - 0.05),
    };
    actions[action]?.();
  }, [cues, seek, togglePlay, video]);

  useEffect(() => {
    function onKey(event) {
      const action = shortcutAction(event);
      if (!action) return;
      event.preventDefault();
      act(action);
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [act]);

  const cue = cueAt(cues, time);
  const [countClass, moveClass] = COUNT_SIZES[countSize];
  return (
    <div className="flex flex-col gap-3">
      <div ref={frame} data-testid="player-frame"
        className={`relative flex flex-col overflow-hidden bg-black ${fullscreen ? "h-screen w-screen" : "rounded-xl"}`}>
        <video ref={video} src={src} poster={poster} playsInline data-testid="video" onTimeUpdate={onTimeUpdate}
          onClick={togglePlay} onPlay={() => setPlaying(true)} onPause={() => setPlaying(false)}
          onLoadedMetadata={(e) => setDuration(e.currentTarget.duration || 0)}
          className={`w-full bg-black object-contain ${fullscreen ? "min-h-0 flex-1" : "max-h-[80vh]"}`}
          style={{ transform: mirrored ? "scaleX(-1)" : "none" }} />
        {cue && (
          <div aria-live="off" data-testid="count" className="pointer-events-none absolute left-2 top-2 rounded-xl bg-black/60 px-3 py-1 text-white">
            <span className={`${countClass} font-bold tabular-nums`}>{cue.count}</span>
            {!countOnly && cue.move && <span className={`${moveClass} ml-2`}>{cue.move}</span>}
          </div>
        )}
        <div className="flex items-center gap-2 bg-black/80 px-2 py-1 text-sm text-white" data-testid="controls">
          <button type="button" onClick={togglePlay} className="rounded px-2 py-1 font-semibold hover:bg-white/20"
            aria-label={playing ? "Pause" : "Play"}>{playing ? "❚❚" : "▶"}</button>
          <span className="tabular-nums" data-testid="clock">{formatTime(time)} / {formatTime(duration)}</span>
          <input type="range" aria-label="Position" min={0} max={duration || 0} step={0.01} value={Math.min(time, duration || 0)}
            onChange={(e) => seek(Number(e.target.value))} className="min-w-0 flex-1 accent-rose-500" />
          <button type="button" onClick={toggleFullscreen} className="rounded px-2 py-1 hover:bg-white/20"
            aria-label={fullscreen ? "Leave full screen" : "Full screen"}>
            {/* Four corners: drawn, since not every system font has a full-screen glyph. */}
            <svg viewBox="0 0 16 16" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
              <path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" />
            </svg>
          </button>
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label htmlFor="speed" className="font-medium">Speed</label>
        <select id="speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))} className="rounded border border-rose-200 px-2 py-1">
          {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
        </select>
        <Button variant="secondary" aria-pressed={mirrored} onClick={() => setMirrored(!mirrored)}>
          {mirrored ? "Mirrored" : "Mirror"}
        </Button>
        <label htmlFor="count-size" className="font-medium">Counts</label>
        <select id="count-size" value={countSize} onChange={(e) => setCountSize(e.target.value)} className="rounded border border-rose-200 px-2 py-1">
          <option value="normal">Normal</option>
          <option value="big">Big (across the room)</option>
        </select>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={countOnly} onChange={(e) => setCountOnly(e.target.checked)} /> Count only
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="A-B loop">
        {["a", "b"].map((point) => (
          <span key={point} className="flex items-center gap-1">
            <Button variant="secondary" onClick={() => mark(point)}>Set {point.toUpperCase()}</Button>
            <Button variant="secondary" aria-label={`${point.toUpperCase()} back one ${unit}`} onClick={() => nudge(point, -1)}>◀</Button>
            <Button variant="secondary" aria-label={`${point.toUpperCase()} forward one ${unit}`} onClick={() => nudge(point, 1)}>▶</Button>
          </span>
        ))}
        <Button aria-pressed={loop.on} disabled={!loopReady} onClick={() => setLoop({ ...loop, on: !loop.on })}>
          {loop.on ? "Looping" : "Loop A-B"}
        </Button>
        {cues.length > 0 && (
          <label className="flex items-center gap-1">
            <input type="checkbox" checked={everyCount} onChange={(e) => setEveryCount(e.target.checked)} /> Snap to every count (not just the 1s)
          </label>
        )}
        <p className="w-full text-slate-700" data-testid="loop-range">
          <span data-testid="loop-a">{describePoint(cues, loop.a)}</span> → <span data-testid="loop-b">{describePoint(cues, loop.b, { end: true })}</span>
        </p>
      </div>
      <div className="text-sm text-slate-600">
        <p className="font-medium">Keyboard</p>
        <ul className="grid grid-cols-2 gap-x-4 sm:grid-cols-3" data-testid="shortcuts">
          {SHORTCUTS.map(([, action, key, what]) => (
            <li key={action}><kbd className="rounded border px-1 font-mono">{key}</kbd> {what}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
