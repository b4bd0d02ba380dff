import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { SIGNED_OUT_EVENT, api } from "./api.js";

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
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
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
