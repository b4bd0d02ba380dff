import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { SIGNED_OUT_EVENT, TOKENS_KEY, api } from "./api.js";

const AuthContext = createContext(null);

// Who is signed in, and the actions that change it.
export function AuthProvider({ children }) {
  const [user, setUser] = useState(null);
  const [loading, setLoading] = useState(Boolean(api.tokens()));

  useEffect(() => {
    if (api.tokens()) {
      api.get("/api/auth/me").then(setUser).catch(() => setUser(null)).finally(() => setLoading(false));
    }
    const signedOut = () => setUser(null);
    // Another tab signed out (its tokens gone) or in (tokens where there were none): follow it at once.
    // A refresh there only rotates the tokens, which this tab reads on its next request.
    const otherTab = (event) => {
      if (event.key !== TOKENS_KEY && event.key !== null) return;
      if (!api.tokens()) setUser(null);
      else if (!event.oldValue) api.get("/api/auth/me").then(setUser).catch(() => setUser(null));
    };
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    window.addEventListener("storage", otherTab);
    return () => {
      window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
      window.removeEventListener("storage", otherTab);
    };
  }, []);

  const signIn = useCallback(async (path, body) => {
    const pair = await api.post(path, body);
    api.setTokens(pair);
    setUser(pair.user);
    return pair.user;
  }, []);

  const logout = useCallback(async () => {
    const tokens = api.tokens();
    if (tokens) await api.post("/api/auth/logout", { refresh: tokens.refresh }).catch(() => {});
    api.setTokens(null);
    setUser(null);
  }, []);

  const value = {
    user,
    loading,
    setUser,
    login: (email, password) => signIn("/api/auth/login", { email, password }),
    register: (fields) => signIn("/api/auth/register", fields),
    logout,
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth() {
  return useContext(AuthContext);
}
