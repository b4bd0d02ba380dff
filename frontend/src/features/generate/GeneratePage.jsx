import { useEffect, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, Loading, Select, inputClass } from "../../components/ui.jsx";
import { formatTime } from "../player/counts.js";
import { deleteSong, describe, generate, listSongs, uploadSong } from "./api.js";
import { formChoice, rememberChoice } from "./choices.js";

const MAX_BYTES = 25 * 1024 * 1024;
const AUDIO = /\.(mp3|wav|ogg|m4a|flac)$/i;
export const DIFFICULTIES = [["beginner", "Beginner"], ["intermediate", "Intermediate"], ["advanced", "Advanced"]];
const ENERGIES = [["", "Any energy"], ["low", "Low"], ["medium", "Medium"], ["high", "High"]];
const STYLES = [["", "Any style"], ["romantic", "Romantic"], ["energetic", "Energetic"], ["sensual", "Sensual"], ["playful", "Playful"]];
const ORIENTATIONS = [["landscape", "Landscape (computer, TV)"], ["portrait", "Portrait (phone)"]];

// A phone-sized screen gets a video that fills it; the dancer can choose otherwise.
export function defaultOrientation(screenWidth) {
  return screenWidth < 640 ? "portrait" : "landscape";
}

// "Romeo Propuesta · 127 BPM · 3:05": what a dancer needs to pick a song.
export function songLabel(song) {
  const facts = [song.tempo && `${Math.round(song.tempo)} BPM`, song.duration && formatTime(song.duration)].filter(Boolean);
  return [song.title, ...facts].join(" · ");
}

// A refused render says why; when the dancer's own renders fill the slots, they are one click away.
export function RenderRefused({ error }) {
  if (!error) return null;
  return (
    <ErrorMessage>
      <p>{error.message}</p>
      {error.code === "too_many_renders" && <Link className="underline" to="/renders">See your renders</Link>}
    </ErrorMessage>
  );
}

// What the browser can tell before uploading; the API decodes the file to be sure.
export function checkSongFile(file) {
  if (!AUDIO.test(file.name)) return "Choose an mp3, wav, ogg, m4a or flac file";
  if (file.size > MAX_BYTES) return "The file is larger than 25 MB";
  return null;
}

function SongPicker({ songs, value, onChange, onUploaded, onDeleted }) {
  const [problem, setProblem] = useState(null);
  const [uploaded, setUploaded] = useState(null); // a fraction while uploading
  const [added, setAdded] = useState(null);
  const [dragging, setDragging] = useState(false);

  async function take(file) {
    const issue = checkSongFile(file);
    setProblem(issue ? { message: issue } : null);
    setAdded(null);
    if (issue) return;
    setUploaded(0);
    try {
      const song = await uploadSong(file, setUploaded);
      onUploaded(song);
      setAdded(song);
    } catch (error) {
      setProblem(error);
    } finally {
      setUploaded(null);
    }
  }

  // Your own uploads count against your storage: one you no longer need can go.
  async function remove() {
    if (!window.confirm("Delete this song from your uploads?")) return;
    try {
      await deleteSong(value);
      setProblem(null);
      onDeleted(value);
    } catch (error) {
      setProblem(error);
    }
  }

  const chosen = songs.find((song) => song.id === value);
  return (
    <div className="flex flex-col gap-2">
      <Field label="Song" id="song">
        <Select id="song" value={value} onChange={onChange}
          options={[["", songs.length ? "Choose a song…" : "No songs yet: upload one"], ...songs.map((s) => [s.id, songLabel(s)])]} />
      </Field>
      {chosen?.source === "upload" && (
        <button type="button" onClick={remove} className="self-start text-sm text-rose-700 underline">Delete this song</button>
      )}
      <label
        htmlFor="song-file"
        onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => { e.preventDefault(); setDragging(false); if (e.dataTransfer.files[0]) take(e.dataTransfer.files[0]); }}
        className={`cursor-pointer rounded-xl border-2 border-dashed p-4 text-center text-sm ${dragging ? "border-rose-500 bg-rose-50" : "border-rose-200"}`}
      >
        {uploaded === null ? "Drop your song here, or click to upload (mp3, wav, ogg, m4a, flac; up to 25 MB)" : `Uploading… ${Math.round(uploaded * 100)} %`}
        <input id="song-file" type="file" accept="audio/*,.mp3,.wav,.ogg,.m4a,.flac" className="sr-only"
          onChange={(e) => e.target.files[0] && take(e.target.files[0])} />
      </label>
      {uploaded !== null && (
        <div className="h-2 overflow-hidden rounded-full bg-rose-100" role="progressbar" aria-label="Upload"
          aria-valuenow={Math.round(uploaded * 100)} aria-valuemin={0} aria-valuemax={100}>
          <div className="h-full bg-rose-600" style={{ width: `${uploaded * 100}%` }} />
        </div>
      )}
      {added && <p role="status" className="text-sm text-green-700">Uploaded “{songLabel(added)}”: it is chosen below.</p>}
      <ErrorMessage error={problem} />
    </div>
  );
}

export default function GeneratePage() {
  const navigate = useNavigate();
  const location = useLocation();
  const [songs, setSongs] = useState(null);
  const [loadError, setLoadError] = useState(null);
  // "Try again" and "Make another" bring the last choice back.
  const [choice, setChoice] = useState(() => ({
    song: null, difficulty: "beginner", energy_level: null, style: null, orientation: defaultOrientation(window.innerWidth),
    ...formChoice(location.state?.choice),
  }));
  const [query, setQuery] = useState("");
  const [parsed, setParsed] = useState(null);
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => { listSongs().then(setSongs).catch(setLoadError); }, []);
  const set = (field) => (value) => setChoice({ ...choice, [field]: value });

  async function run(action) {
    setBusy(true);
    setFailure(null);
    try {
      await action();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const begin = (taskId, used) => {
    rememberChoice(taskId, used);
    navigate(`/tasks/${taskId}`);
  };
  const start = () => run(async () => begin((await generate(choice)).task_id, choice));
  // What was understood fills the form above, where the dancer can still change it before generating.
  const understand = () => run(async () => {
    const reading = await describe({ query });
    const { difficulty, energy_level: energy, style, tempo } = reading.parameters;
    setParsed(reading);
    setChoice((current) => ({ ...current, difficulty, energy_level: energy, style, tempo }));
  });
  const confirm = () => run(async () => {
    const parameters = {
      ...parsed.parameters,
      difficulty: choice.difficulty,
      energy_level: choice.energy_level ?? parsed.parameters.energy_level,
      style: choice.style ?? parsed.parameters.style,
    };
    const body = await describe({ query, confirmed: true, song: choice.song, parameters, orientation: choice.orientation });
    begin(body.task.task_id, { ...choice, ...parameters });
  });

  if (loadError) return <ErrorMessage error={loadError} />;
  if (!songs) return <Loading label="Loading songs…" />;
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Make a choreography</h1>
      <Card className="flex flex-col gap-3">
        <SongPicker songs={songs} value={choice.song} onChange={set("song")}
          onUploaded={(song) => { setSongs([...songs, song]); setChoice({ ...choice, song: song.id }); }}
          onDeleted={(id) => { setSongs(songs.filter((song) => song.id !== id)); setChoice({ ...choice, song: null }); }} />
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-4">
          <Field label="Difficulty" id="difficulty"><Select id="difficulty" value={choice.difficulty} onChange={set("difficulty")} options={DIFFICULTIES} /></Field>
          <Field label="Energy" id="energy"><Select id="energy" value={choice.energy_level} onChange={set("energy_level")} options={ENERGIES} /></Field>
          <Field label="Style" id="style"><Select id="style" value={choice.style} onChange={set("style")} options={STYLES} /></Field>
          <Field label="Video" id="orientation"><Select id="orientation" value={choice.orientation} onChange={set("orientation")} options={ORIENTATIONS} /></Field>
        </div>
        <Button onClick={start} disabled={!choice.song || busy}>Generate</Button>
      </Card>
      <Card className="flex flex-col gap-3">
        <Field label="Or describe the dance in words" id="query">
          <input id="query" className={inputClass} placeholder="a romantic beginner dance with a cross body lead"
            value={query} onChange={(e) => { setQuery(e.target.value); setParsed(null); }} />
        </Field>
        <Button variant="secondary" onClick={understand} disabled={query.trim().length < 3 || busy}>Understand my request</Button>
        {parsed && (
          <div className="flex flex-col gap-2 text-sm" data-testid="reading">
            <p>
              <span className="font-medium">I understood:</span>{" "}
              {parsed.understood.length ? parsed.understood.join("; ") : "nothing I can act on"}.
              {parsed.understood.length > 0 && " The settings above now say so; change them if you like."}
            </p>
            {parsed.not_used.length > 0 && (
              <p><span className="font-medium">I could not use:</span> {parsed.not_used.join("; ")}.</p>
            )}
            <Button onClick={confirm} disabled={!choice.song || busy}>{choice.song ? "Generate with these" : "Choose a song above first"}</Button>
          </div>
        )}
      </Card>
      <RenderRefused error={failure} />
    </div>
  );
}
