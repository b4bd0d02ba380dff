// Under the video: the song's energy curve, its sections and the move blocks; click anywhere to seek.
const LEVEL_COLOURS = { low: "#fde2e4", medium: "#fbc4cc", high: "#f7a1ae" };
const CHAR_WIDTH = 8; // timeline units per character at font size 14

// Move names are as long as "Sensual basic with head roll": cut to the block (the full name is its tooltip).
export function fitName(name, width) {
  const room = Math.floor((width - 8) / CHAR_WIDTH);
  if (room < 2) return "";
  return name.length <= room ? name : `${name.slice(0, room - 1).trimEnd()}…`;
}

export default function Timeline({ duration, energy = [], rate = 4, sections = [], segments = [], time = 0, onSeek }) {
  if (!duration) return null;
  const x = (t) => (t / duration) * 1000;
  const curve = energy.map((value, index) => `${x(index / rate).toFixed(1)},${(60 - value * 55).toFixed(1)}`).join(" ");
  function seek(event) {
    const box = event.currentTarget.getBoundingClientRect();
    onSeek(((event.clientX - box.left) / box.width) * duration);
  }
  function keys(event) {
    if (event.key === "ArrowRight") onSeek(Math.min(duration, time + 5));
    if (event.key === "ArrowLeft") onSeek(Math.max(0, time - 5));
  }
  return (
    <svg viewBox="0 0 1000 100" preserveAspectRatio="none" role="slider" tabIndex={0} aria-label="Timeline"
      aria-valuemin={0} aria-valuemax={Math.round(duration)} aria-valuenow={Math.round(time)}
      onClick={seek} onKeyDown={keys} className="h-24 w-full cursor-pointer rounded-lg bg-white ring-1 ring-rose-100">
      {sections.map((s) => <rect key={s.start} x={x(s.start)} y={0} width={x(s.end - s.start)} height={62} fill={LEVEL_COLOURS[s.level]} />)}
      {curve && <polyline points={curve} fill="none" stroke="#be123c" strokeWidth={2} data-testid="energy" />}
      {segments.map((s, index) => (
        <g key={s.start} data-testid="move-block">
          <rect x={x(s.start) + 1} y={66} width={Math.max(1, x(s.end - s.start) - 2)} height={30} rx={4} fill={index % 2 ? "#9f1239" : "#e11d48"} />
          <title>{s.move}</title>
          <text x={x(s.start) + 6} y={86} fontSize={14} fill="white" className="hidden sm:inline">
            {fitName(s.move, x(s.end - s.start))}
          </text>
        </g>
      ))}
      <line x1={x(time)} x2={x(time)} y1={0} y2={100} stroke="#0f172a" strokeWidth={2} />
    </svg>
  );
}
