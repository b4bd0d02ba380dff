import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Select } from "../../components/ui.jsx";
import { DIFFICULTIES } from "../generate/GeneratePage.jsx";
import * as plans from "./api.js";

// Moving one item up or down in a list of ids.
export function moved(ids, index, step) {
  const target = index + step;
  if (target < 0 || target >= ids.length) return ids;
  const next = [...ids];
  [next[index], next[target]] = [next[target], next[index]];
  return next;
}

function useLoad(load) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const reload = useCallback(() => load().then(setData).catch(setError), [load]);
  useEffect(() => { reload(); }, [reload]);
  return { data, error, reload, setError };
}

// The instructor's dashboard: figures, the plans, and a form for a new one.
export function PlansPage() {
  const navigate = useNavigate();
  const { data, error } = useLoad(plans.dashboard);
  const [draft, setDraft] = useState({ title: "", difficulty_level: "beginner" });
  const [failure, setFailure] = useState(null);
  if (error) return <ErrorMessage error={error} />;
  if (!data) return <Loading />;
  const create = (e) => { e.preventDefault(); plans.createPlan(draft).then((p) => navigate(`/class-plans/${p.id}`)).catch(setFailure); };
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Class plans</h1>
      <p className="text-sm text-slate-700">{data.plan_count} plans · {data.sequence_count} sequences · {data.saved_choreographies} saved choreographies</p>
      <ul className="flex flex-col gap-2">
        {data.recent_plans.map((plan) => (
          <li key={plan.id}><Card><Link className="font-semibold text-rose-800 underline" to={`/class-plans/${plan.id}`}>{plan.title}</Link>
            <p className="text-sm">{plan.difficulty_level} · {plan.sequences.length} sequences</p></Card></li>
        ))}
      </ul>
      <Card>
        <form onSubmit={create} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          <Field label="New plan title" id="plan-title"><input id="plan-title" className={inputClass} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} /></Field>
          <Field label="Level" id="plan-level"><Select id="plan-level" value={draft.difficulty_level} onChange={(v) => setDraft({ ...draft, difficulty_level: v })} options={DIFFICULTIES} /></Field>
          <Button type="submit" disabled={!draft.title.trim()}>Create plan</Button>
        </form>
        <ErrorMessage error={failure} />
      </Card>
    </div>
  );
}

function PlanDetails({ plan, onSaved, onError }) {
  const [draft, setDraft] = useState({ title: plan.title, description: plan.description, difficulty_level: plan.difficulty_level,
    estimated_duration: plan.estimated_duration ?? "", instructor_notes: plan.instructor_notes });
  const change = (field) => (e) => setDraft({ ...draft, [field]: e.target.value });
  const save = (e) => {
    e.preventDefault();
    plans.updatePlan(plan.id, { ...draft, estimated_duration: draft.estimated_duration ? Number(draft.estimated_duration) : null })
      .then(onSaved).catch(onError);
  };
  return (
    <details className="text-sm">
      <summary className="cursor-pointer font-medium text-rose-700">Edit details</summary>
      <form onSubmit={save} className="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2">
        <Field label="Title" id="edit-plan-title"><input id="edit-plan-title" className={inputClass} value={draft.title} onChange={change("title")} /></Field>
        <Field label="Level" id="edit-plan-level"><Select id="edit-plan-level" value={draft.difficulty_level} onChange={(v) => setDraft({ ...draft, difficulty_level: v })} options={DIFFICULTIES} /></Field>
        <Field label="Description" id="edit-plan-description"><textarea id="edit-plan-description" className={inputClass} value={draft.description} onChange={change("description")} /></Field>
        <Field label="Notes for you" id="edit-plan-notes"><textarea id="edit-plan-notes" className={inputClass} value={draft.instructor_notes} onChange={change("instructor_notes")} /></Field>
        <Field label="Length (minutes)" id="edit-plan-duration"><input id="edit-plan-duration" type="number" min="1" className={inputClass} value={draft.estimated_duration} onChange={change("estimated_duration")} /></Field>
        <Button type="submit" className="self-end" disabled={!draft.title.trim()}>Save details</Button>
      </form>
      {plan.description && <p className="mt-2">{plan.description}</p>}
    </details>
  );
}

// One plan: its details, sequences (reorder, remove, add from the collection), summary, print.
export function PlanPage() {
  const { planId } = useParams();
  const navigate = useNavigate();
  const load = useCallback(() => Promise.all([plans.getPlan(planId), plans.summary(planId)]), [planId]);
  const { data, error, reload, setError } = useLoad(load);
  const [saved, setSaved] = useState([]);
  const [adding, setAdding] = useState({ choreography_id: null, notes: "", estimated_time: "" });
  useEffect(() => { plans.allSaved().then(setSaved).catch(setError); }, [setError]);
  if (error) return <ErrorMessage error={error} />;
  if (!data) return <Loading />;
  const [plan, facts] = data;
  const act = (promise) => promise.then(reload).catch(setError);
  const ids = plan.sequences.map((s) => s.id);
  const add = (e) => {
    e.preventDefault();
    act(plans.addSequence(planId, { ...adding, estimated_time: adding.estimated_time ? Number(adding.estimated_time) : null }));
    setAdding({ choreography_id: null, notes: "", estimated_time: "" });
  };
  const print = () => plans.exportHtml(planId).then((html) => {
    const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    window.open(url, "_blank", "noopener");
  }).catch(setError);
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">{plan.title}</h1>
      <p className="text-sm">{plan.difficulty_level} · {facts.sequence_count} sequences · {facts.total_time_minutes} min · {facts.progression}</p>
      <PlanDetails plan={plan} onSaved={reload} onError={setError} />
      <ol className="flex flex-col gap-2">
        {plan.sequences.map((s, index) => (
          <li key={s.id}><Card className="flex flex-wrap items-center justify-between gap-2">
            <span><strong>{s.sequence_order}.</strong> {s.choreography_title} <span className="text-sm text-slate-600">({s.choreography_difficulty}{s.estimated_time ? `, ${s.estimated_time} min` : ""}){s.notes ? ` — ${s.notes}` : ""}</span></span>
            <span className="flex gap-1">
              <Button variant="secondary" aria-label={`Move ${s.choreography_title} up`} disabled={index === 0} onClick={() => act(plans.reorder(planId, moved(ids, index, -1)))}>↑</Button>
              <Button variant="secondary" aria-label={`Move ${s.choreography_title} down`} disabled={index === ids.length - 1} onClick={() => act(plans.reorder(planId, moved(ids, index, 1)))}>↓</Button>
              <Button variant="danger" aria-label={`Remove ${s.choreography_title}`} onClick={() => act(plans.removeSequence(planId, s.id))}>✕</Button>
            </span>
          </Card></li>
        ))}
      </ol>
      <Card>
        <form onSubmit={add} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          <Field label="Add from your collection" id="add-choreography"><Select id="add-choreography" value={adding.choreography_id} onChange={(v) => setAdding({ ...adding, choreography_id: v })} options={[["", "Choose…"], ...saved.map((c) => [c.id, c.title])]} /></Field>
          <Field label="Notes" id="add-notes"><input id="add-notes" className={inputClass} value={adding.notes} onChange={(e) => setAdding({ ...adding, notes: e.target.value })} /></Field>
          <Field label="Minutes" id="add-minutes"><input id="add-minutes" type="number" min="1" className={inputClass} value={adding.estimated_time} onChange={(e) => setAdding({ ...adding, estimated_time: e.target.value })} /></Field>
          <Button type="submit" disabled={!adding.choreography_id}>Add</Button>
        </form>
      </Card>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" onClick={print}>Printable version</Button>
        <Button variant="secondary" onClick={() => plans.duplicatePlan(planId).then((p) => navigate(`/class-plans/${p.id}`)).catch(setError)}>Duplicate</Button>
        <Button variant="danger" onClick={() => window.confirm(`Delete “${plan.title}”?`) && plans.deletePlan(planId).then(() => navigate("/class-plans")).catch(setError)}>Delete plan</Button>
      </div>
    </div>
  );
}
