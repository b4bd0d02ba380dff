// What the dancer asked each render for, kept in this browser: a failed task carries no parameters, yet "Try
// again" must bring back the same song and settings, and a running task can say what it is making.
const CHOICES_KEY = "bachata-buddy.choices";
const KEEP = 50;

const FIELDS = ["song", "difficulty", "energy_level", "style", "orientation", "tempo"];

// "slow" in a request in words: the video keeps the song's beat and starts slower in the player.
export const startSpeed = (choice) => (choice?.tempo === "slow" ? 0.75 : 1);

function readAll(storage) {
  try {
    return JSON.parse(storage.getItem(CHOICES_KEY) || "[]");
  } catch {
    return [];
  }
}

// Only the form's fields, so anything else in a result never leaks into a request.
export const formChoice = (source) => Object.fromEntries(FIELDS.filter((f) => source?.[f] != null).map((f) => [f, source[f]]));

export function rememberChoice(taskId, choice, storage = window.localStorage) {
  const kept = readAll(storage).filter(([id]) => id !== taskId).slice(-(KEEP - 1));
  storage.setItem(CHOICES_KEY, JSON.stringify([...kept, [taskId, formChoice(choice)]]));
}

export function recalledChoice(taskId, storage = window.localStorage) {
  return readAll(storage).find(([id]) => id === taskId)?.[1] ?? null;
}

// The song's title from its storage key when nothing better is known ("songs/Romeo_Propuesta.wav" → "Romeo Propuesta").
export const titleFromKey = (key = "") => key.split("/").pop().replace(/\.[^.]+$/, "").replace(/_/g, " ");
