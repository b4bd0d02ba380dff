import { useEffect, useState } from "react";
import { listSongs } from "./api.js";
import { titleFromKey } from "./choices.js";

// Song titles by storage key (an upload's key is a random name); until they load, or for a song that has
// gone, the title comes from the key itself.
export function useSongTitles() {
  const [titles, setTitles] = useState({});
  useEffect(() => {
    let active = true;
    listSongs()
      .then((songs) => active && setTitles(Object.fromEntries(songs.map((song) => [song.id, song.title]))))
      .catch(() => {});
    return () => { active = false; };
  }, []);
  return (key) => (key ? titles[key] ?? titleFromKey(key) : null);
}
