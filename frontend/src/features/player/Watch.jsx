import { useEffect, useRef, useState } from "react";
import { ErrorMessage, Loading } from "../../components/ui.jsx";
import { api } from "../../lib/api.js";
import { moveLoop } from "./counts.js";
import PracticePlayer from "./PracticePlayer.jsx";
import Timeline from "./Timeline.jsx";
import { parseCounts } from "./vtt.js";

// Everything needed to practise one video (a task's or a saved choreography's): signed URLs, counts, timeline.
export default function Watch({ videoId, initialSpeed = 1 }) {
  const [media, setMedia] = useState(null);
  const [error, setError] = useState(null);
  const [time, setTime] = useState(0);
  const [loopRequest, setLoopRequest] = useState(null);
  const video = useRef(null);

  useEffect(() => {
    let active = true;
    (async () => {
      const urls = await api.get(`/api/videos/${videoId}/url`);
      const [track, metadata] = await Promise.all([
        fetch(urls.subtitles_url).then((r) => (r.ok ? r.text() : "")),
        api.get(`/api/videos/${videoId}/metadata`).catch(() => null),
      ]);
      if (active) setMedia({ src: urls.video_url, poster: urls.poster_url || undefined, cues: parseCounts(track), metadata });
    })().catch((caught) => active && setError(caught));
    return () => { active = false; };
  }, [videoId]);

  if (error) return <ErrorMessage error={error} />;
  if (!media) return <Loading label="Loading the video…" />;
  const meta = media.metadata;
  return (
    <div className="flex flex-col gap-3">
      <PracticePlayer initialSpeed={initialSpeed} src={media.src} poster={media.poster} cues={media.cues} videoRef={video} onTime={setTime} loopRequest={loopRequest} />
      {meta && (
        <Timeline duration={meta.sequence_duration} energy={meta.energy_curve?.values} rate={meta.energy_curve?.rate}
          sections={meta.sections} segments={meta.segments} time={time}
          onSeek={(t) => { video.current.currentTime = t; setTime(t); }}
          onLoopMove={(move) => setLoopRequest(moveLoop(media.cues, move))} />
      )}
    </div>
  );
}
