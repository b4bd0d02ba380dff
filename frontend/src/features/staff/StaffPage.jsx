import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, Loading, inputClass } from "../../components/ui.jsx";
import { api } from "../../lib/api.js";
import { useAuth } from "../../lib/auth.jsx";

const listUsers = (search, page) => api.get(`/api/admin/users?${new URLSearchParams({ search, page })}`);
const changeRoles = (id, roles) => api.patch(`/api/admin/users/${id}`, roles);

function AccountRow({ account: saved, me }) {
  const [account, setAccount] = useState(saved);
  const [error, setError] = useState(null);
  // The box moves at once; a refusal puts it back and says why.
  const toggle = (role) => (event) => {
    const wanted = event.target.checked;
    setError(null);
    setAccount((current) => ({ ...current, [role]: wanted }));
    changeRoles(account.id, { [role]: wanted }).then(setAccount).catch((caught) => {
      setAccount((current) => ({ ...current, [role]: !wanted }));
      setError(caught);
    });
  };
  return (
    <li>
      <Card className="flex flex-wrap items-center gap-x-4 gap-y-1">
        <span className="font-semibold">{account.display_name}</span>
        <span className="text-sm text-slate-600">{account.email}</span>
        {account.is_staff && <span className="rounded bg-slate-100 px-2 text-xs">staff</span>}
        <label className="ml-auto flex items-center gap-1 text-sm">
          <input type="checkbox" checked={account.is_instructor} onChange={toggle("is_instructor")} /> Instructor
        </label>
        <label className="flex items-center gap-1 text-sm">
          <input type="checkbox" checked={account.is_active} disabled={account.id === me.id} onChange={toggle("is_active")} /> Can sign in
        </label>
        <ErrorMessage error={error} />
      </Card>
    </li>
  );
}

// Staff only: find an account, make it an instructor, or stop it signing in.
export default function StaffPage() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const search = params.get("search") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { listUsers(search, page).then(setResult).catch(setError); }, [search, page]);

  if (!user.is_staff) return <ErrorMessage>This page is for staff.</ErrorMessage>;
  const pages = result ? Math.max(1, Math.ceil(result.total / result.page_size)) : 1;
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">Accounts</h1>
      <Field label="Find by email or name" id="account-search">
        <input id="account-search" type="search" className={inputClass} value={search}
          onChange={(e) => setParams(e.target.value ? { search: e.target.value } : {}, { replace: true })} />
      </Field>
      <ErrorMessage error={error} />
      {!result ? <Loading /> : result.items.length === 0 ? <p>No account matches “{search}”.</p> : (
        <ul className="flex flex-col gap-2" data-testid="accounts">
          {result.items.map((account) => <AccountRow key={account.id} account={account} me={user} />)}
        </ul>
      )}
      {pages > 1 && (
        <nav aria-label="Pages" className="flex items-center gap-2">
          <Button variant="secondary" disabled={page <= 1} onClick={() => setParams({ search, page: page - 1 })}>Previous</Button>
          <span className="text-sm">Page {page} of {pages}</span>
          <Button variant="secondary" disabled={page >= pages} onClick={() => setParams({ search, page: page + 1 })}>Next</Button>
        </nav>
      )}
    </div>
  );
}
