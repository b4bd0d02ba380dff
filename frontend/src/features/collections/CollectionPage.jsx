import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Select } from "../../components/ui.jsx";
import { DIFFICULTIES } from "../generate/GeneratePage.jsx";
import { formatTime } from "../player/counts.js";
import Watch from "../player/Watch.jsx";
import { deleteAll, deleteSaved, getSaved, listSaved, updateSaved } from "./api.js";

const SORTS = [["-created_at", "Newest"], ["created_at", "Oldest"], ["title", "Title A–Z"], ["-title", "Title Z–A"],
  ["difficulty", "Difficulty"], ["duration", "Shortest"], ["-duration", "Longest"]];
const badge = { beginner: "bg-green-100 text-green-800", intermediate: "bg-amber-100 text-amber-800", advanced: "bg-rose-100 text-rose-800" };
const DEFAULT_SORT = "-created_at";

// The list's filters live in the address, so Back (or a shared link) returns to the same list.
export function filtersFrom(params) {
  return {
    search: params.get("search") ?? "",
    difficulty: params.get("difficulty") || null,
    sort: params.get("sort") || DEFAULT_SORT,
    page: Math.max(1, Number(params.get("page")) || 1),
  };
}

export function paramsFrom(filters) {
  const kept = { ...filters, sort: filters.sort === DEFAULT_SORT ? null : filters.sort, page: filters.page > 1 ? filters.page : null };
  return Object.fromEntries(Object.entries(kept).filter(([, value]) => value));
}

function NothingFound({ filters }) {
  const narrowed = [filters.search && `“${filters.search.trim()}”`, filters.difficulty].filter(Boolean);
  if (!narrowed.length) {
    return <p>Nothing here yet. <Link className="text-rose-700 underline" to="/generate">Make your first choreography</Link>.</p>;
  }
  return <p>No choreography matches {narrowed.join(" at ")}. Try another word or level.</p>;
}

function DeleteAll({ total, onDone }) {
  const [typed, setTyped] = useState("");
  const [error, setError] = useState(null);
  if (!total) return null;
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-red-700">Delete all…</summary>
      <div className="mt-2 flex flex-wrap items-end gap-2">
        <Field label={`Type ${total} to delete all ${total} choreographies`} id="confirm-count">
          <input id="confirm-count" inputMode="numeric" className={inputClass} value={typed} onChange={(e) => setTyped(e.target.value)} />
        </Field>
        <Button variant="danger" disabled={Number(typed) !== total}
          onClick={() => deleteAll(total).then(onDone).catch(setError)}>Delete all</Button>
        <ErrorMessage error={error} />
      </div>
    </details>
  );
}

// The collection: cards with search, difficulty filter, sort and pages.
export default function CollectionPage() {
  const [params, setParams] = useSearchParams();
  const query = params.toString();
  const filters = filtersFrom(params);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(
    () => listSaved(filtersFrom(new URLSearchParams(query))).then(setResult).catch(setError),
    [query],
  );
  useEffect(() => { load(); }, [load]);
  // Typing replaces the address entry rather than adding one per letter; choosing a page or sort adds one.
  const set = (field) => (value) =>
    setParams(paramsFrom({ ...filters, [field]: value, page: field === "page" ? value : 1 }), { replace: field === "search" });

  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Your collection</h1>
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
        <Field label="Search" id="search"><input id="search" type="search" className={inputClass} value={filters.search} onChange={(e) => set("search")(e.target.value)} /></Field>
        <Field label="Difficulty" id="filter-difficulty"><Select id="filter-difficulty" value={filters.difficulty} onChange={set("difficulty")} options={[["", "All"], ...DIFFICULTIES]} /></Field>
        <Field label="Sort" id="sort"><Select id="sort" value={filters.sort} onChange={set("sort")} options={SORTS} /></Field>
      </div>
      <ErrorMessage error={error} />
      {!result ? <Loading /> : result.items.length === 0 ? (
        <Card><NothingFound filters={filters} /></Card>
      ) : (
        <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          {result.items.map((item) => (
            <li key={item.id}>
              <Card className="flex flex-col gap-1">
                {item.poster_url && (
                  <Link to={`/collection/${item.id}`} tabIndex={-1} aria-hidden="true">
                    {/* A poster that has gone missing hides rather than showing a broken image. */}
                    <img src={item.poster_url} alt="" loading="lazy" data-testid="poster"
                      onError={(e) => { e.currentTarget.hidden = true; }}
                      className="mb-1 aspect-video w-full rounded-lg bg-slate-100 object-cover" />
                  </Link>
                )}
                <Link to={`/collection/${item.id}`} className="font-semibold text-rose-800 underline-offset-2 hover:underline">{item.title}</Link>
                <p className="flex gap-2 text-sm">
                  <span className={`rounded px-2 ${badge[item.difficulty] ?? "bg-slate-100"}`}>{item.difficulty}</span>
                  <span>{formatTime(item.duration)}</span>
                  <span>{new Date(item.created_at).toLocaleDateString()}</span>
                </p>
              </Card>
            </li>
          ))}
        </ul>
      )}
      {result && (result.previous || result.next) && (
        <nav aria-label="Pages" className="flex items-center gap-2">
          <Button variant="secondary" disabled={!result.previous} onClick={() => set("page")(filters.page - 1)}>Previous</Button>
          <span className="text-sm">Page {filters.page} of {Math.ceil(result.total / result.page_size)}</span>
          <Button variant="secondary" disabled={!result.next} onClick={() => set("page")(filters.page + 1)}>Next</Button>
        </nav>
      )}
      {result && <DeleteAll total={result.total} onDone={load} />}
    </div>
  );
}

// One saved choreography: watch it, rename it, change its difficulty, delete it.
export function SavedPage() {
  const { savedId } = useParams();
  const navigate = useNavigate();
  const [saved, setSaved] = useState(null);
  const [draft, setDraft] = useState(null);
  const [error, setError] = useState(null);
  const [changed, setChanged] = useState(false);
  useEffect(() => { getSaved(savedId).then((s) => { setSaved(s); setDraft({ title: s.title, difficulty: s.difficulty }); }).catch(setError); }, [savedId]);
  if (error) return <ErrorMessage error={error} />;
  if (!saved) return <Loading />;
  const save = (e) => {
    e.preventDefault();
    setChanged(false);
    updateSaved(savedId, draft).then((next) => { setSaved(next); setChanged(true); }).catch(setError);
  };
  const edit = (field) => (value) => { setDraft({ ...draft, [field]: value }); setChanged(false); };
  const remove = () => window.confirm(`Delete “${saved.title}”?`) && deleteSaved(savedId).then(() => navigate("/collection")).catch(setError);
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">{saved.title}</h1>
      <Watch videoId={saved.id} />
      <Card>
        <form onSubmit={save} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          <Field label="Title" id="edit-title"><input id="edit-title" className={inputClass} value={draft.title} maxLength={200} onChange={(e) => edit("title")(e.target.value)} /></Field>
          <Field label="Difficulty" id="edit-difficulty"><Select id="edit-difficulty" value={draft.difficulty} onChange={edit("difficulty")} options={DIFFICULTIES} /></Field>
          <Button type="submit" disabled={!draft.title.trim()}>Save changes</Button>
          <Button variant="danger" onClick={remove}>Delete</Button>
        </form>
        {changed && <p role="status" className="mt-2 text-sm text-green-700">Saved.</p>}
      </Card>
    </div>
  );
}
