import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Select } from "../../components/ui.jsx";
import { usePolling } from "../../lib/usePolling.js";
import { saveFromTask } from "../collections/api.js";
import { formatTime } from "../player/counts.js";
import Watch from "../player/Watch.jsx";
import { cancelTask, generate, getTask } from "./api.js";
import { formChoice, recalledChoice, rememberChoice, startSpeed } from "./choices.js";
import { DIFFICULTIES, RenderRefused } from "./GeneratePage.jsx";
import { useSongTitles } from "./useSongTitles.js";

const STAGES = {
  initializing: "Getting ready", downloading: "Preparing your song", analyzing: "Listening to the music",
  selecting: "Choosing the moves", generating: "Putting the video together", finalizing: "Finishing touches",
  completed: "Done", failed: "Stopped",
};
export const isFinished = (task) => task?.status === "completed" || task?.status === "failed";

function useElapsed(since, running) {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return since ? Math.max(0, Math.round(now - since)) : 0;
}

function Progress({ task }) {
  const elapsed = useElapsed(task.created_at, !isFinished(task));
  return (
    <Card className="flex flex-col gap-2">
      <p className="font-medium">{STAGES[task.stage] ?? task.stage}</p>
      <div className="h-3 overflow-hidden rounded-full bg-rose-100" role="progressbar" aria-valuenow={task.progress} aria-valuemin={0} aria-valuemax={100}>
        <div className="h-full bg-rose-600 transition-all" style={{ width: `${task.progress}%` }} />
      </div>
      <p className="text-sm text-slate-600">{task.progress}% · {elapsed} s · {task.message}</p>
    </Card>
  );
}

function SaveForm({ task }) {
  const [title, setTitle] = useState("My choreography");
  const [difficulty, setDifficulty] = useState(task.result?.parameters?.difficulty ?? "beginner");
  const [state, setState] = useState(task.result?.saved_choreography_id ? "saved" : "idle");
  const [error, setError] = useState(null);
  async function save(event) {
    event.preventDefault();
    try {
      await saveFromTask({ task_id: task.task_id, title, difficulty });
      setState("saved");
    } catch (caught) {
      if (caught.status === 409) setState("saved");
      else setError(caught);
    }
  }
  if (state === "saved") return <p role="status" className="text-sm text-green-700">In your <Link className="underline" to="/collection">collection</Link>.</p>;
  return (
    <form onSubmit={save} className="flex flex-col gap-2 sm:flex-row sm:items-end">
      <Field label="Title" id="title"><input id="title" className={inputClass} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} /></Field>
      <Field label="Difficulty" id="save-difficulty"><Select id="save-difficulty" value={difficulty} onChange={setDifficulty} options={DIFFICULTIES} /></Field>
      <Button type="submit" disabled={!title.trim()}>Save to collection</Button>
      <ErrorMessage error={error} />
    </form>
  );
}

const ANY = "any";

// What this render was asked for and what it found: song, length, tempo, difficulty, energy, style.
export function RenderFacts({ choice, result }) {
  const title = useSongTitles()(choice?.song);
  if (!choice) return null;
  const facts = [
    ["Song", title],
    ["Length", result?.sequence_duration && formatTime(result.sequence_duration)],
    ["Tempo", result?.tempo && `${Math.round(result.tempo)} BPM`],
    ["Difficulty", choice.difficulty],
    ["Energy", choice.energy_level ?? ANY],
    ["Style", choice.style ?? ANY],
  ].filter(([, value]) => value);
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-6" data-testid="render-facts">
      {facts.map(([name, value]) => (
        <div key={name}><dt className="text-slate-500">{name}</dt><dd className="font-medium">{value}</dd></div>
      ))}
    </dl>
  );
}

// One render: its progress (polled every 2 s until it finishes), then the video to practise with.
export default function TaskPage() {
  const { taskId } = useParams();
  const navigate = useNavigate();
  // Keyed by the task: a regenerated task never shows the previous one's video while it loads.
  const { data: task, error } = usePolling(() => getTask(taskId), { interval: 2000, isDone: isFinished, key: taskId });
  const [regenerating, setRegenerating] = useState(null);
  useEffect(() => setRegenerating(null), [taskId]);
  const choice = formChoice(task?.result?.parameters ?? recalledChoice(taskId));
  // The same song and choices again; the move choice differs with each new task.
  const regenerate = () =>
    generate(choice)
      .then((next) => {
        rememberChoice(next.task_id, choice);
        navigate(`/tasks/${next.task_id}`);
      })
      .catch(setRegenerating);
  const chooseAgain = () => navigate("/generate", { state: { choice } });
  if (error && !task) return <ErrorMessage error={error} />;
  if (!task) return <Loading />;
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Your choreography</h1>
      <RenderFacts choice={choice.song ? choice : null} result={task.result} />
      <RenderRefused error={regenerating} />
      {task.status !== "completed" && <Progress task={task} />}
      {task.status === "failed" && (
        <ErrorMessage>
          <p>{task.message}</p>
          <Button className="mt-2" onClick={chooseAgain}>Try again</Button>
        </ErrorMessage>
      )}
      {!isFinished(task) && <Button variant="secondary" onClick={() => cancelTask(taskId)}>Cancel</Button>}
      {task.status === "completed" && (
        <>
          <Watch key={task.task_id} videoId={task.task_id} initialSpeed={startSpeed(recalledChoice(taskId))} />
          <Card><SaveForm key={task.task_id} task={task} /></Card>
          <div className="flex flex-wrap gap-2">
            {choice.song && <Button variant="secondary" onClick={regenerate}>Regenerate</Button>}
            <Button variant="secondary" onClick={chooseAgain}>Make another</Button>
          </div>
        </>
      )}
    </div>
  );
}
