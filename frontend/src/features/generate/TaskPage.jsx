import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Select } from "../../components/ui.jsx";
import { usePolling } from "../../lib/usePolling.js";
import { saveFromTask } from "../collections/api.js";
import Watch from "../player/Watch.jsx";
import { cancelTask, generate, getTask } from "./api.js";
import { DIFFICULTIES } from "./GeneratePage.jsx";

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

// One render: its progress (polled every 2 s until it finishes), then the video to practise with.
export default function TaskPage() {
  const { taskId } = useParams();
  const navigate = useNavigate();
  const { data: task, error } = usePolling(() => getTask(taskId), { interval: 2000, isDone: isFinished });
  const [regenerating, setRegenerating] = useState(null);
  // The same song and choices again; the move choice differs with each new task.
  const regenerate = ({ song, difficulty, energy_level: energy, style, orientation }) =>
    generate({ song, difficulty, energy_level: energy, style, orientation })
      .then((next) => navigate(`/tasks/${next.task_id}`))
      .catch(setRegenerating);
  if (error && !task) return <ErrorMessage error={error} />;
  if (!task) return <Loading />;
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Your choreography</h1>
      <ErrorMessage error={regenerating} />
      {task.status !== "completed" && <Progress task={task} />}
      {task.status === "failed" && (
        <ErrorMessage>
          <p>{task.message}</p>
          <Button className="mt-2" onClick={() => navigate("/generate")}>Try again</Button>
        </ErrorMessage>
      )}
      {!isFinished(task) && <Button variant="secondary" onClick={() => cancelTask(taskId)}>Cancel</Button>}
      {task.status === "completed" && (
        <>
          <Watch videoId={task.task_id} />
          <Card><SaveForm task={task} /></Card>
          <div className="flex flex-wrap gap-2">
            {task.result?.parameters?.song && (
              <Button variant="secondary" onClick={() => regenerate(task.result.parameters)}>Regenerate</Button>
            )}
            <Button variant="secondary" onClick={() => navigate("/generate")}>Make another</Button>
          </div>
        </>
      )}
    </div>
  );
}
