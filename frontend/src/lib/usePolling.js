import { useEffect, useRef, useState } from "react";

// Calls `load` now and every `interval` ms until `isDone(result)`; stops on unmount too. A new `key` (e.g. another
// task's id) forgets the old data at once and starts over, so one thing is never shown under another's name.
export function usePolling(load, { interval = 2000, isDone = () => false, enabled = true, key = null } = {}) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const latest = useRef({ load, isDone });
  latest.current = { load, isDone };

  useEffect(() => {
    setData(null);
    setError(null);
    if (!enabled) return undefined;
    let stopped = false;
    let timer = null;
    async function tick() {
      try {
        const result = await latest.current.load();
        if (stopped) return;
        setData(result);
        setError(null);
        if (latest.current.isDone(result)) return;
      } catch (caught) {
        if (stopped) return;
        setError(caught);
      }
      timer = setTimeout(tick, interval);
    }
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [interval, enabled, key]);

  return { data, error };
}
