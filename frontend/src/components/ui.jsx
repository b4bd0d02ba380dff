// Small building blocks every page uses: buttons, fields, messages, a card.

export function Button({ variant = "primary", className = "", ...props }) {
  const look = {
    primary: "bg-rose-600 text-white hover:bg-rose-700 disabled:bg-rose-300",
    secondary: "bg-white text-rose-700 ring-1 ring-rose-300 hover:bg-rose-50 disabled:text-rose-300",
    danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300",
  }[variant];
  return (
    <button
      type="button"
      className={`rounded-lg px-4 py-2 text-sm font-semibold focus:outline-none focus-visible:ring-4 focus-visible:ring-rose-400 ${look} ${className}`}
      {...props}
    />
  );
}

export function Field({ label, error, id, children }) {
  return (
    <div className="flex min-w-0 flex-1 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children}
      {error && (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

export const inputClass =
  "rounded-lg border border-rose-200 bg-white px-3 py-2 text-base focus:border-rose-500 focus:outline-none focus:ring-2 focus:ring-rose-300";

export function ErrorMessage({ error, children }) {
  if (!error && !children) return null;
  return (
    <div role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
      {children ?? error.message}
    </div>
  );
}

export function Loading({ label = "Loading…" }) {
  return (
    <p role="status" className="animate-pulse text-sm text-slate-600">
      {label}
    </p>
  );
}

export function Card({ children, className = "" }) {
  return <section className={`rounded-2xl bg-white p-4 shadow-sm ring-1 ring-rose-100 ${className}`}>{children}</section>;
}

export function Select({ id, value, onChange, options, ...props }) {
  return (
    <select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value || null)} className={inputClass} {...props}>
      {options.map(([optionValue, label]) => (
        <option key={optionValue} value={optionValue}>
          {label}
        </option>
      ))}
    </select>
  );
}
