// The count track: "00:00:01.834 --> 00:00:02.299" then "4 · Sensual basic with head roll".
const TIME = /(\d+):(\d\d):(\d\d)\.(\d{3})/;

function seconds(stamp) {
  const [, h, m, s, ms] = stamp.match(TIME);
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;
}

export function parseCounts(text) {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => block.trim().split(/\r?\n/))
    .filter((lines) => lines.length >= 2 && lines[0].includes("-->"))
    .map(([timing, label]) => {
      const [start, end] = timing.split("-->").map((part) => seconds(part.trim()));
      const [count, ...move] = label.split(" · ");
      return { start, end, count: Number(count), move: move.join(" · ") };
    });
}

export function cueAt(cues, time) {
  return cues.find((cue) => cue.start <= time && time < cue.end) ?? null;
}
