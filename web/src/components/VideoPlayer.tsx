// A candidate's video answer: HLS from the media CDN (locally the devserver's
// /media/, both on the site's origin). Browsers that play HLS in the <video>
// element itself (Safari, iOS, recent Chromium) get the playlist directly;
// elsewhere hls.js feeds the element through Media Source Extensions. hls.js is
// about 180 KB gzipped, so it is imported only here, when a player mounts and the
// browser needs it: pages without video never download it.

import { useEffect, useRef, useState } from "preact/hooks";
import type { Playback } from "../types";

const HLS_TYPE = "application/vnd.apple.mpegurl";

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

interface Props {
  playback: Playback;
  /** title names the answer ("Dana Whitfield's answer") for the player's label. */
  title: string;
  /** captions is a WebVTT track, when there is one (the transcoder makes none yet). */
  captions?: { url: string; lang: string };
}

/** Engine is how the player plays: the element itself, or hls.js over MSE. */
export type Engine = "native" | "hls.js";

export function VideoPlayer({ playback, title, captions }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState("");
  const [engine, setEngine] = useState<Engine | "">("");
  const url = playback.masterUrl;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setProblem("");
    if (el.canPlayType(HLS_TYPE)) {
      setEngine("native");
      el.src = url;
      return () => {
        el.removeAttribute("src");
        el.load();
      };
    }
    setEngine("hls.js");
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
        h.loadSource(url);
        h.attachMedia(el);
      })
      .catch(() => setProblem("The video player could not be loaded. Check your connection and reload the page."));
    return () => {
      destroyed = true;
      hls?.destroy();
    };
  }, [url]);

  return (
    <figure class="player" data-engine={engine}>
      <video
        ref={ref}
        controls
        playsInline
        preload="none"
        poster={playback.posterUrl || undefined}
        aria-label={title}
        onError={() => setProblem("The video could not be played. Please try again later.")}
      >
        {captions && <track kind="captions" src={captions.url} srcLang={captions.lang} label="Captions" default />}
      </video>
      <figcaption>
        {playback.durationSeconds > 0 && <span>Length {formatDuration(playback.durationSeconds)}</span>}
        {playback.publishedAt && <span>Published {new Date(playback.publishedAt).toLocaleDateString()}</span>}
        {playback.provenanceSha256 && (
          <span class="provenance">
            Original recording SHA-256: <code>{playback.provenanceSha256}</code>
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
