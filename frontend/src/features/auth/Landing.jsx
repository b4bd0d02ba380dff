import { Link, Navigate } from "react-router-dom";
import { useAuth } from "../../lib/auth.jsx";

const COUNTS = [1, 2, 3, 4, 5, 6, 7, 8];

// A still of what a result looks like: a couple on the video, the count on screen, the moves below.
function ResultPicture() {
  return (
    <svg viewBox="0 0 320 200" role="img" aria-label="A practice video: a dancing couple, the count on screen, the moves on a timeline"
      className="w-full max-w-md rounded-2xl bg-slate-900 shadow-lg">
      <g fill="#fda4af" stroke="#fda4af" strokeWidth="6" strokeLinecap="round">
        <circle cx="128" cy="48" r="11" stroke="none" />
        <line x1="128" y1="62" x2="132" y2="108" />
        <line x1="132" y1="108" x2="116" y2="150" />
        <line x1="132" y1="108" x2="146" y2="148" />
        <line x1="130" y1="74" x2="162" y2="86" />
        <circle cx="186" cy="52" r="10" stroke="none" fill="#fecdd3" />
        <line x1="186" y1="64" x2="182" y2="106" stroke="#fecdd3" />
        <line x1="182" y1="106" x2="170" y2="148" stroke="#fecdd3" />
        <line x1="182" y1="106" x2="200" y2="146" stroke="#fecdd3" />
        <line x1="184" y1="76" x2="162" y2="86" stroke="#fecdd3" />
      </g>
      <rect x="12" y="12" width="44" height="40" rx="8" fill="#00000099" />
      <text x="34" y="42" textAnchor="middle" fontSize="28" fontWeight="700" fill="white">1</text>
      {COUNTS.map((count, index) => (
        <rect key={count} x={12 + index * 37} y="170" width="34" height="18" rx="3" fill={index < 4 ? "#e11d48" : "#9f1239"} />
      ))}
    </svg>
  );
}

// The first page a visitor sees: what the app does, then the way in.
export default function Landing() {
  const { user, loading } = useAuth();
  if (user || loading) return <Navigate to="/generate" replace />;
  return (
    <div className="flex flex-col items-center gap-6 py-6 text-center">
      <h1 className="max-w-xl text-2xl font-bold sm:text-3xl">
        Bachata Buddy turns your song into a bachata partner-dance video, moves on the 8-count, to practise with counts, loops and mirror.
      </h1>
      <ResultPicture />
      <div className="flex gap-3">
        <Link to="/register" className="rounded-lg bg-rose-600 px-4 py-2 font-semibold text-white hover:bg-rose-700">Create an account</Link>
        <Link to="/login" className="rounded-lg px-4 py-2 font-semibold text-rose-700 ring-1 ring-rose-300 hover:bg-rose-50">Log in</Link>
      </div>
    </div>
  );
}
