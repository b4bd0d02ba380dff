// Practising by count: loop points that land on counts, named as a dancer says them, 8-count steps, shortcuts.
import { cueAt } from "./vtt.js";

export const formatTime = (t) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, "0")}`;

// The counts a loop point may land on: every "1" (phrases), or every count.
const stops = (cues, everyCount) => (everyCount ? cues : cues.filter((cue) => cue.count === 1)).map((cue) => cue.start);

// Both ends of the track count as stops, so a loop can reach the end of the last phrase.
function allStops(cues, everyCount) {
  const points = stops(cues, everyCount);
  if (cues.length) points.push(cues[cues.length - 1].end);
  return points;
}

export function snapToCount(cues, time, { everyCount = false } = {}) {
  const points = allStops(cues, everyCount);
  if (!points.length) return time;
  return points.reduce((best, point) => (Math.abs(point - time) < Math.abs(best - time) ? point : best));
}

// One step (an 8-count, or one count) from `time`, forwards or back; seconds when there is no count track.
export function stepByCount(cues, time, direction, { everyCount = false } = {}) {
  const points = allStops(cues, everyCount);
  if (!points.length) return Math.max(0, time + direction);
  if (direction > 0) return points.find((point) => point > time + 0.05) ?? points[points.length - 1];
  // Just after a "1", going back means the one before it (pressing ← twice keeps going).
  return [...points].reverse().find((point) => point < time - 0.3) ?? points[0];
}

// A move's loop: from its first "1" (a lead-in before the song's first beat is no part of it) to its end.
export function moveLoop(cues, move) {
  const one = cues.find((cue) => cue.count === 1 && cue.start >= move.start - 0.05 && cue.start < move.end);
  return { a: one ? one.start : move.start, b: move.end };
}

// "Basic, count 1" for where a loop starts; an end is named by the count it closes ("Spin, count 8").
export function describePoint(cues, time, { end = false } = {}) {
  if (time === null) return "–";
  const cue = cueAt(cues, end ? time - 0.01 : time + 0.01);
  return cue ? `${cue.move || "Move"}, count ${cue.count}` : formatTime(time);
}

export const SHORTCUTS = [
  [" ", "play", "Space", "play / pause"],
  ["l", "loop", "L", "loop A-B on / off"],
  ["m", "mirror", "M", "mirror"],
  ["[", "slower", "[", "slower"],
  ["]", "faster", "]", "faster"],
  ["ArrowLeft", "previous", "←", "previous 8-count"],
  ["ArrowRight", "next", "→", "next 8-count"],
  ["Home", "start", "Home", "to the start"],
  ["End", "end", "End", "to the end"],
];

// The player action a key press asks for; none while the dancer types, picks from a list or presses a button.
export function shortcutAction(event) {
  const target = event.target ?? {};
  const tag = (target.tagName ?? "").toUpperCase();
  if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || target.isContentEditable) return null;
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (tag === "BUTTON" && (event.key === " " || event.key === "Enter")) return null; // the button's own click
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  return SHORTCUTS.find(([name]) => name === key)?.[1] ?? null;
}

// The next speed in `speeds` up (+1) or down (-1) from `speed`, staying at the ends.
export function stepSpeed(speeds, speed, direction) {
  const index = speeds.indexOf(speed);
  return speeds[Math.min(speeds.length - 1, Math.max(0, (index < 0 ? speeds.indexOf(1) : index) + direction))];
}

export function moveAt(segments, time) {
  return segments.find((segment) => segment.start <= time && time < segment.end) ?? null;
}
