import { useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { Button, Card, ErrorMessage, Field, inputClass } from "../../components/ui.jsx";
import { ApiError, api } from "../../lib/api.js";
import { useAuth } from "../../lib/auth.jsx";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Client-side checks mirror the API's, so most mistakes are shown before a round trip.
export function validateRegistration({ email, password, display_name: name }) {
  const errors = {};
  if (!name.trim()) errors.display_name = "Tell us what to call you";
  if (!EMAIL.test(email)) errors.email = "Enter a valid email address";
  if (password.length < 8) errors.password = "Use at least 8 characters";
  return errors;
}

function useSubmit(action) {
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event, values, validate = () => ({})) {
    event.preventDefault();
    const found = validate(values);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await action(values);
    } catch (error) {
      if (error instanceof ApiError) setErrors(error.fieldErrors());
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  return { errors, failure, busy, submit };
}

function AuthCard({ title, children }) {
  return (
    <Card className="mx-auto mt-6 w-full max-w-md">
      <h1 className="mb-4 text-2xl font-bold">{title}</h1>
      {children}
    </Card>
  );
}

export function LoginPage() {
  const { user, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [values, setValues] = useState({ email: "", password: "" });
  const { failure, busy, submit } = useSubmit(async ({ email, password }) => {
    await login(email, password);
    navigate(location.state?.from ?? "/generate", { replace: true });
  });
  if (user) return <Navigate to="/generate" replace />;
  const change = (field) => (e) => setValues({ ...values, [field]: e.target.value });
  return (
    <AuthCard title="Log in">
      <form className="flex flex-col gap-3" onSubmit={(e) => submit(e, values)} noValidate>
        <Field label="Email or username" id="email">
          <input id="email" autoComplete="username" className={inputClass} value={values.email} onChange={change("email")} required />
        </Field>
        <Field label="Password" id="password">
          <input id="password" type="password" autoComplete="current-password" className={inputClass} value={values.password} onChange={change("password")} required />
        </Field>
        <ErrorMessage error={failure} />
        <Button type="submit" disabled={busy}>{busy ? "Logging in…" : "Log in"}</Button>
        <p className="text-sm">New here? <Link className="text-rose-700 underline" to="/register">Create an account</Link></p>
      </form>
    </AuthCard>
  );
}

export function RegisterPage() {
  const { user, register } = useAuth();
  const navigate = useNavigate();
  const [values, setValues] = useState({ display_name: "", email: "", password: "" });
  const { errors, failure, busy, submit } = useSubmit(async (fields) => {
    await register(fields);
    navigate("/generate", { replace: true });
  });
  if (user) return <Navigate to="/generate" replace />;
  const change = (field) => (e) => setValues({ ...values, [field]: e.target.value });
  const fieldProps = (field) => ({ id: field, className: inputClass, value: values[field], onChange: change(field), "aria-invalid": Boolean(errors[field]), "aria-describedby": errors[field] ? `${field}-error` : undefined });
  return (
    <AuthCard title="Create your account">
      <form className="flex flex-col gap-3" onSubmit={(e) => submit(e, values, validateRegistration)} noValidate>
        <Field label="Display name" id="display_name" error={errors.display_name}>
          <input autoComplete="nickname" {...fieldProps("display_name")} />
        </Field>
        <Field label="Email" id="email" error={errors.email}>
          <input type="email" autoComplete="email" {...fieldProps("email")} />
        </Field>
        <Field label="Password" id="password" error={errors.password}>
          <input type="password" autoComplete="new-password" {...fieldProps("password")} />
        </Field>
        {failure && !Object.keys(errors).length && <ErrorMessage error={failure} />}
        <Button type="submit" disabled={busy}>{busy ? "Creating…" : "Create account"}</Button>
        <p className="text-sm">Already dancing with us? <Link className="text-rose-700 underline" to="/login">Log in</Link></p>
      </form>
    </AuthCard>
  );
}

export function ProfilePage() {
  const { user, setUser } = useAuth();
  const [name, setName] = useState(user.display_name);
  const [autoSave, setAutoSave] = useState(user.preferences?.auto_save_choreographies ?? true);
  const [saved, setSaved] = useState(false);
  const { errors, failure, busy, submit } = useSubmit(async () => {
    setUser(await api.patch("/api/auth/me", { display_name: name, preferences: { auto_save_choreographies: autoSave } }));
    setSaved(true);
  });
  return (
    <AuthCard title="Your profile">
      <form className="flex flex-col gap-3" onSubmit={(e) => submit(e, {}, () => (name.trim() ? {} : { display_name: "Tell us what to call you" }))}>
        <Field label="Display name" id="display_name" error={errors.display_name}>
          <input id="display_name" className={inputClass} value={name} onChange={(e) => { setName(e.target.value); setSaved(false); }} />
        </Field>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={autoSave} onChange={(e) => { setAutoSave(e.target.checked); setSaved(false); }} />
          Save new choreographies to my collection automatically
        </label>
        <ErrorMessage error={failure} />
        {saved && <p role="status" className="text-sm text-green-700">Saved.</p>}
        <Button type="submit" disabled={busy}>Save</Button>
      </form>
      <PasswordForm />
    </AuthCard>
  );
}

// Changing the password signs every other device out; this tab carries on with the new tokens it gets back.
export function PasswordForm() {
  const { setUser } = useAuth();
  const empty = { current_password: "", new_password: "" };
  const [values, setValues] = useState(empty);
  const [changed, setChanged] = useState(false);
  const { errors, failure, busy, submit } = useSubmit(async (fields) => {
    const pair = await api.post("/api/auth/password", fields);
    api.setTokens(pair);
    setUser(pair.user);
    setValues(empty);
    setChanged(true);
  });
  const validate = ({ current_password: current, new_password: fresh }) => ({
    ...(current ? {} : { current_password: "Enter your current password" }),
    ...(fresh.length >= 8 ? {} : { new_password: "Use at least 8 characters" }),
  });
  const field = (name) => ({
    id: name, type: "password", className: inputClass, value: values[name], "aria-invalid": Boolean(errors[name]),
    onChange: (e) => { setValues({ ...values, [name]: e.target.value }); setChanged(false); },
  });
  return (
    <form className="mt-6 flex flex-col gap-3 border-t border-rose-100 pt-4" onSubmit={(e) => submit(e, values, validate)} noValidate>
      <h2 className="text-lg font-semibold">Change password</h2>
      <Field label="Current password" id="current_password" error={errors.current_password}>
        <input autoComplete="current-password" {...field("current_password")} />
      </Field>
      <Field label="New password" id="new_password" error={errors.new_password}>
        <input autoComplete="new-password" {...field("new_password")} />
      </Field>
      {failure && !Object.keys(errors).length && <ErrorMessage error={failure} />}
      {changed && <p role="status" className="text-sm text-green-700">Password changed. Your other devices are signed out.</p>}
      <Button type="submit" disabled={busy}>{busy ? "Changing…" : "Change password"}</Button>
    </form>
  );
}
