import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Button, Card, ErrorMessage, Loading } from "../../components/ui.jsx";
import { formatTime } from "../player/counts.js";
import { listTasks } from "./api.js";
import { recalledChoice, titleFromKey } from "./choices.js";
import { useSongTitles } from "./useSongTitles.js";

const STATUS = {
  started: ["Waiting", "bg-slate-100 text-slate-800"], running: ["Rendering", "bg-amber-100 text-amber-800"],
  completed: ["Ready", "bg-green-100 text-green-800"], failed: ["Failed", "bg-red-100 text-red-800"],
};

// What one task row says at a glance: its song, its settings and when it was asked for.
export function describeTask(task, choice = recalledChoice(task.task_id), title = titleFromKey) {
  const used = task.result?.parameters ?? choice ?? {};
  const song = used.song ? title(used.song) : "A song";
  const settings = [used.difficulty, used.style, task.result?.sequence_duration && formatTime(task.result.sequence_duration)];
  return { song, settings: settings.filter(Boolean).join(" · "), when: new Date(task.created_at * 1000).toLocaleString() };
}

// Every render the dancer asked for (running, finished, failed), newest first, so an unsaved one is never lost.
export default function RendersPage() {
  const [params, setParams] = useSearchParams();
  const title = useSongTitles();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setResult(null);
    listTasks(page).then(setResult).catch(setError);
  }, [page]);

  if (error) return <ErrorMessage error={error} />;
  if (!result) return <Loading label="Loading your renders…" />;
  const pages = Math.max(1, Math.ceil(result.total / result.page_size));
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">My renders</h1>
      {result.items.length === 0 ? (
        <Card><p>No renders yet. <Link className="text-rose-700 underline" to="/generate">Make a choreography</Link>.</p></Card>
      ) : (
        <ul className="flex flex-col gap-2" data-testid="renders">
          {result.items.map((task) => {
            const { song, settings, when } = describeTask(task, recalledChoice(task.task_id), title);
            const [label, colour] = STATUS[task.status] ?? [task.status, "bg-slate-100"];
            return (
              <li key={task.task_id}>
                <Card className="flex flex-wrap items-center gap-x-3 gap-y-1">
                  <Link to={`/tasks/${task.task_id}`} className="font-semibold text-rose-800 underline-offset-2 hover:underline">{song}</Link>
                  <span className={`rounded px-2 text-sm ${colour}`}>{label}</span>
                  <span className="text-sm text-slate-600">{settings}</span>
                  <span className="ml-auto text-xs text-slate-500">{when}</span>
                </Card>
              </li>
            );
          })}
        </ul>
      )}
      {pages > 1 && (
        <nav aria-label="Pages" className="flex items-center gap-2">
          <Button variant="secondary" disabled={page <= 1} onClick={() => setParams({ page: page - 1 })}>Previous</Button>
          <span className="text-sm">Page {page} of {pages}</span>
          <Button variant="secondary" disabled={page >= pages} onClick={() => setParams({ page: page + 1 })}>Next</Button>
        </nav>
      )}
    </div>
  );
}
