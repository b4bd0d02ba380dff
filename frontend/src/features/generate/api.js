import { api } from "../../lib/api.js";

export const listSongs = () => api.get("/api/songs").then((body) => body.songs);

export function uploadSong(file, onProgress) {
  const form = new FormData();
  form.append("file", file);
  return api.upload("/api/songs", form, onProgress);
}

export const deleteSong = (songId) => api.del(`/api/songs/${songId}`);

export const generate = (choice) => api.post("/api/choreography/generate", choice);
export const describe = (body) => api.post("/api/choreography/describe", body);
export const getTask = (taskId) => api.get(`/api/choreography/tasks/${taskId}`);
export const cancelTask = (taskId) => api.post(`/api/choreography/tasks/${taskId}/cancel`);
export const listTasks = (page = 1) => api.get(`/api/choreography/tasks?page=${page}`);
