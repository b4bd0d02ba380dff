import { api } from "../../lib/api.js";

const base = "/api/class-plans";
export const dashboard = () => api.get(`${base}/dashboard`);
export const listPlans = () => api.get(base);
export const createPlan = (fields) => api.post(base, fields);
export const getPlan = (id) => api.get(`${base}/${id}`);
export const updatePlan = (id, fields) => api.patch(`${base}/${id}`, fields);
export const deletePlan = (id) => api.del(`${base}/${id}`);
export const addSequence = (id, fields) => api.post(`${base}/${id}/sequences`, fields);
export const removeSequence = (id, sequenceId) => api.del(`${base}/${id}/sequences/${sequenceId}`);
export const reorder = (id, sequenceIds) => api.post(`${base}/${id}/reorder`, { sequence_ids: sequenceIds });
export const duplicatePlan = (id) => api.post(`${base}/${id}/duplicate`, { include_sequences: true });
export const summary = (id) => api.get(`${base}/${id}/summary`);
export const exportHtml = (id) => api.text(`${base}/${id}/export`);

export async function allSaved() {
  const items = [];
  for (let page = 1; page <= 10; page += 1) {
    const body = await api.get(`/api/collections?sort=title&page=${page}`);
    items.push(...body.items);
    if (!body.next) break;
  }
  return items;
}
