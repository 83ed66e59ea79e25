// A candidate's video answer: HLS from the media CDN. Safari (and iOS) play HLS in
// the <video> element itself; elsewhere hls.js feeds it through Media Source
// Extensions. hls.js is about 150 KB gzipped, so it is imported only here, when a
// player mounts and the browser needs it: pages without video never download it.

import { useEffect, useRef, useState } from "preact/hooks";
import type { AnswerVideo } from "../types";

const HLS_TYPE = "application/vnd.apple.mpegurl";

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

interface Props {
  video: AnswerVideo;
  /** title names the answer ("Dana Whitfield's answer") for the player's label. */
  title: string;
}

export function VideoPlayer({ video, title }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState("");

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setProblem("");
    if (el.canPlayType(HLS_TYPE)) {
      el.src = video.playlistUrl;
      return () => {
        el.removeAttribute("src");
        el.load();
      };
    }
    let destroyed = false;
    let hls: { destroy(): void } | undefined;
    import("hls.js")
      .then(({ default: Hls }) => {
        if (destroyed) return;
        if (!Hls.isSupported()) {
          setProblem("This browser cannot play streaming video. Try a current version of Firefox, Chrome, Edge or Safari.");
          return;
        }
        const h = new Hls({ capLevelToPlayerSize: true });
        hls = h;
        h.on(Hls.Events.ERROR, (_e, data) => {
          if (data.fatal) setProblem("The video could not be loaded. Please try again later.");
        });
        h.loadSource(video.playlistUrl);
        h.attachMedia(el);
      })
      .catch(() => setProblem("The video player could not be loaded. Check your connection and reload the page."));
    return () => {
      destroyed = true;
      hls?.destroy();
    };
  }, [video.playlistUrl]);

  return (
    <figure class="player">
      <video ref={ref} controls playsInline preload="none" poster={video.posterUrl} aria-label={title}>
        {video.captionsUrl && (
          <track kind="captions" src={video.captionsUrl} srcLang={video.captionsLang ?? "en"} label="Captions" default />
        )}
      </video>
      <figcaption>
        {video.durationSeconds !== undefined && <span>Length {formatDuration(video.durationSeconds)}</span>}
        {video.provenanceSha256 && (
          <span class="provenance">
            Original recording SHA-256: <code>{video.provenanceSha256}</code>
          </span>
        )}
      </figcaption>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </figure>
  );
}
