// Under the video: the song's energy and sections, and the moves as blocks. Tapping a move loops exactly that
// move; tapping the song's band seeks to the start of the move playing there (moves start on a "1").
import { moveAt } from "./counts.js";

const LEVEL_COLOURS = { low: "#fde2e4", medium: "#fbc4cc", high: "#f7a1ae" };
const MOVE_COLOURS = ["#e11d48", "#9f1239"];

// Short enough for a narrow block: the name's initials ("Sensual basic with head roll" → "SBWHR").
export const initials = (name) => name.split(/\s+/).filter(Boolean).map((word) => word[0].toUpperCase()).join("");

export default function Timeline({ duration, energy = [], rate = 4, sections = [], segments = [], time = 0, onSeek, onLoopMove = () => {} }) {
  if (!duration) return null;
  const x = (t) => (t / duration) * 1000;
  const percent = (t) => `${(t / duration) * 100}%`;
  const curve = energy.map((value, index) => `${x(index / rate).toFixed(1)},${(60 - value * 55).toFixed(1)}`).join(" ");
  const current = moveAt(segments, time);
  function seek(event) {
    const box = event.currentTarget.getBoundingClientRect();
    const at = ((event.clientX - box.left) / box.width) * duration;
    onSeek(moveAt(segments, at)?.start ?? at);
  }
  function keys(event) {
    const index = current ? segments.indexOf(current) : -1;
    if (event.key === "ArrowRight" && segments[index + 1]) onSeek(segments[index + 1].start);
    if (event.key === "ArrowLeft") onSeek(segments[Math.max(0, index - (current && time - current.start < 0.5 ? 1 : 0))]?.start ?? 0);
  }
  return (
    <div className="flex flex-col gap-1">
      <svg viewBox="0 0 1000 64" preserveAspectRatio="none" role="slider" tabIndex={0} aria-label="Timeline: the song's energy"
        aria-valuemin={0} aria-valuemax={Math.round(duration)} aria-valuenow={Math.round(time)} data-testid="song-band"
        onClick={seek} onKeyDown={keys} className="h-16 w-full cursor-pointer rounded-t-lg bg-white ring-1 ring-rose-100">
        {sections.map((s) => <rect key={s.start} x={x(s.start)} y={0} width={x(s.end - s.start)} height={64} fill={LEVEL_COLOURS[s.level]} />)}
        {curve && <polyline points={curve} fill="none" stroke="#be123c" strokeWidth={2} data-testid="energy" />}
        <line x1={x(time)} x2={x(time)} y1={0} y2={64} stroke="#0f172a" strokeWidth={3} />
      </svg>
      <div className="relative h-9 w-full" role="group" aria-label="Moves">
        {segments.map((s, index) => (
          <button key={s.start} type="button" data-testid="move-block" title={s.move}
            aria-label={`Loop ${s.move}`} aria-current={s === current ? "true" : undefined}
            onClick={() => onLoopMove(s)}
            className={`absolute top-0 h-9 overflow-hidden rounded px-1 text-left text-xs font-medium text-white ring-inset focus-visible:ring-2 focus-visible:ring-white ${s === current ? "ring-2 ring-slate-900" : ""}`}
            style={{ left: percent(s.start), width: `calc(${percent(s.end - s.start)} - 2px)`, background: MOVE_COLOURS[index % 2] }}>
            <span className="hidden truncate sm:block">{s.move}</span>
            <span className="block truncate sm:hidden">{initials(s.move)}</span>
          </button>
        ))}
      </div>
      <p className="min-h-5 text-sm" data-testid="current-move">{current ? <>Now: <strong>{current.move}</strong></> : " "}</p>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Timeline legend" data-testid="legend">
        {Object.entries(LEVEL_COLOURS).map(([level, colour]) => (
          <li key={level} className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm" style={{ background: colour }} />{level} energy</li>
        ))}
        <li className="flex items-center gap-1"><span className="inline-block h-0.5 w-4 bg-rose-700" />the song's loudness</li>
        <li className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-rose-600" />a move: tap to loop it</li>
      </ul>
    </div>
  );
}
