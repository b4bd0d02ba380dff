import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../lib/auth.jsx";

const link = ({ isActive }) =>
  `rounded-md px-2 py-1 text-sm font-medium focus-visible:ring-2 focus-visible:ring-rose-400 ${isActive ? "bg-rose-100 text-rose-800" : "text-slate-700 hover:text-rose-700"}`;

// The page frame: a header with navigation for signed-in dancers, the page below it.
export default function Layout() {
  const { user, logout } = useAuth();
  return (
    <div className="mx-auto flex min-h-screen max-w-4xl flex-col gap-4 px-3 py-3 sm:px-6">
      <header className="flex flex-wrap items-center justify-between gap-2">
        <NavLink to="/" className="text-lg font-bold text-rose-700">
          Bachata Buddy
        </NavLink>
        {user && (
          <nav aria-label="Main" className="flex flex-wrap items-center gap-1">
            <NavLink to="/generate" className={link}>Generate</NavLink>
            <NavLink to="/renders" className={link}>My renders</NavLink>
            <NavLink to="/collection" className={link}>Collection</NavLink>
            {user.is_instructor && <NavLink to="/class-plans" className={link}>Class plans</NavLink>}
            {user.is_staff && <NavLink to="/staff" className={link}>Accounts</NavLink>}
            <NavLink to="/profile" className={link}>Profile</NavLink>
            <button type="button" onClick={logout} className="px-2 py-1 text-sm text-slate-600 hover:text-rose-700">
              Log out
            </button>
          </nav>
        )}
      </header>
      <main className="flex-1">
        <Outlet />
      </main>
    </div>
  );
}
