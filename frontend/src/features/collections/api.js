import { api } from "../../lib/api.js";

export function listSaved({ search, difficulty, sort, page }) {
  const query = new URLSearchParams(Object.entries({ search, difficulty, sort, page }).filter(([, v]) => v));
  return api.get(`/api/collections?${query}`);
}

export const saveFromTask = (body) => api.post("/api/collections", body);
export const getSaved = (id) => api.get(`/api/collections/${id}`);
export const updateSaved = (id, changes) => api.patch(`/api/collections/${id}`, changes);
export const deleteSaved = (id) => api.del(`/api/collections/${id}`);
export const deleteAll = (count) => api.post("/api/collections/delete-all", { confirm_count: count });
