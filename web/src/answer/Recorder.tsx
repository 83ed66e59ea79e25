// Records a video answer in the browser with MediaRecorder: the camera's live
// preview, a 3-second lead-in, then a visible countdown of the time left under
// the city's limit (recording stops by itself at the limit), then a preview of
// the take to watch before submitting it, or to record again.

import { useEffect, useRef, useState } from "preact/hooks";
import { formatDuration } from "../components/VideoPlayer";

/** A take is a finished recording. */
export interface Take {
  blob: Blob;
  type: string; // MediaRecorder's type, e.g. "video/webm;codecs=vp8,opus"
  seconds: number; // measured while recording (browser WebM files carry no duration)
}

interface Props {
  minSeconds: number;
  maxSeconds: number;
  /** onTake gets a take the candidate chose to submit. */
  onSubmit: (take: Take) => void;
  busy: boolean;
}

type Phase = "off" | "starting" | "ready" | "countdown" | "recording" | "recorded";

const LEAD_IN = 3;

// The first type this browser records: WebM (VP9 or VP8 with Opus) in Chromium
// and Firefox, MP4 in Safari. Every one of them is a type the upload route takes.
const TYPES = ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];

export function recordingSupported(): boolean {
  return typeof MediaRecorder !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
}

function cameraError(err: unknown): string {
  const name = (err as Error)?.name;
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "The browser was not allowed to use the camera and microphone. Allow them for this site, or choose a video file instead.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera or microphone was found. Connect one, or choose a video file instead.";
    case "NotReadableError":
      return "The camera or microphone is in use by another application.";
    default:
      return "The camera could not be started. You can choose a video file instead.";
  }
}

export function Recorder({ minSeconds, maxSeconds, onSubmit, busy }: Props) {
  const [phase, setPhase] = useState<Phase>("off");
  const [problem, setProblem] = useState("");
  const [lead, setLead] = useState(LEAD_IN);
  const [elapsed, setElapsed] = useState(0);
  const [take, setTake] = useState<Take | null>(null);
  const [takeUrl, setTakeUrl] = useState("");
  const [announce, setAnnounce] = useState("");
  const live = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const timers = useRef<number[]>([]);
  const startedAt = useRef(0);

  function clearTimers() {
    timers.current.forEach((t) => clearInterval(t));
    timers.current = [];
  }

  function stopCamera() {
    stream.current?.getTracks().forEach((t) => t.stop());
    stream.current = null;
  }

  // Leaving the page stops the camera and any recording.
  useEffect(
    () => () => {
      clearTimers();
      if (recorder.current?.state === "recording") recorder.current.stop();
      stopCamera();
    },
    [],
  );
  useEffect(() => {
    if (!take) return;
    const url = URL.createObjectURL(take.blob);
    setTakeUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [take]);
  useEffect(() => {
    if (live.current && stream.current && (phase === "ready" || phase === "countdown" || phase === "recording")) {
      live.current.srcObject = stream.current;
    }
  }, [phase]);

  async function startCamera() {
    setProblem("");
    setPhase("starting");
    try {
      stream.current = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: true,
      });
      setPhase("ready");
    } catch (err) {
      setProblem(cameraError(err));
      setPhase("off");
    }
  }

  function begin() {
    setTake(null);
    setLead(LEAD_IN);
    setElapsed(0);
    setPhase("countdown");
    setAnnounce(`Recording starts in ${LEAD_IN} seconds.`);
    let n = LEAD_IN;
    const t = window.setInterval(() => {
      n -= 1;
      setLead(n);
      if (n <= 0) {
        clearTimers();
        record();
      }
    }, 1000);
    timers.current.push(t);
  }

  function record() {
    const s = stream.current;
    if (!s) return;
    const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? "";
    let rec: MediaRecorder;
    try {
      rec = type ? new MediaRecorder(s, { mimeType: type }) : new MediaRecorder(s);
    } catch {
      setProblem("This browser cannot record video. Choose a video file instead.");
      setPhase("ready");
      return;
    }
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    rec.onstop = () => {
      clearTimers();
      const seconds = (performance.now() - startedAt.current) / 1000;
      const blobType = rec.mimeType || type || "video/webm";
      setTake({ blob: new Blob(chunks, { type: blobType }), type: blobType, seconds });
      setElapsed(seconds);
      setPhase("recorded");
      setAnnounce(`Recording stopped after ${formatDuration(seconds)}. Watch it, then submit it or record again.`);
    };
    recorder.current = rec;
    startedAt.current = performance.now();
    rec.start(1000);
    setPhase("recording");
    setAnnounce("Recording.");
    const t = window.setInterval(() => {
      const s = (performance.now() - startedAt.current) / 1000;
      setElapsed(s);
      // The city's limit: stop on time (the transcoder refuses longer answers).
      if (s >= maxSeconds && rec.state === "recording") rec.stop();
    }, 200);
    timers.current.push(t);
  }

  function stop() {
    if (recorder.current?.state === "recording") recorder.current.stop();
  }

  const left = Math.max(0, maxSeconds - elapsed);
  const tooShort = take !== null && take.seconds < minSeconds;

  return (
    <div class="recorder">
      <p class="hint">
        Answers are {formatDuration(minSeconds)} to {formatDuration(maxSeconds)} long. Recording stops by itself at{" "}
        {formatDuration(maxSeconds)}.
      </p>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="sr" aria-live="polite">
        {announce}
      </div>
      {(phase === "off" || phase === "starting") && (
        <button type="button" onClick={startCamera} disabled={phase === "starting"}>
          {phase === "starting" ? "Starting the camera…" : "Turn on the camera"}
        </button>
      )}
      {(phase === "ready" || phase === "countdown" || phase === "recording") && (
        <>
          <video ref={live} class="live" autoPlay muted playsInline aria-label="Camera preview" />
          {phase === "countdown" && (
            <p class="countdown" role="timer" aria-label="Recording starts in">
              Recording starts in <strong>{lead}</strong>
            </p>
          )}
          {phase === "recording" && (
            <div class="timer">
              <p role="timer" aria-label="Time left">
                <span class="rec-dot" aria-hidden="true" /> Recording · <strong>{formatDuration(left)}</strong> left
                <span class="meta"> ({formatDuration(elapsed)} of {formatDuration(maxSeconds)})</span>
              </p>
              <progress max={maxSeconds} value={elapsed} aria-label="Recording time used" />
            </div>
          )}
          <p>
            {phase === "ready" && (
              <button type="button" onClick={begin}>
                Start recording
              </button>
            )}
            {phase === "recording" && (
              <button type="button" onClick={stop}>
                Stop recording
              </button>
            )}
          </p>
        </>
      )}
      {phase === "recorded" && take && (
        <div class="take">
          <h3>Your recording ({formatDuration(take.seconds)})</h3>
          <video class="preview" src={takeUrl} controls playsInline aria-label="Your recording" />
          {tooShort && (
            <p class="field-error" role="alert">
              This recording is shorter than {formatDuration(minSeconds)}. Record again: answers must be at least {minSeconds}{" "}
              seconds long.
            </p>
          )}
          <p class="actions">
            <button type="button" disabled={busy || tooShort} onClick={() => onSubmit(take)}>
              Submit this answer
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy}
              onClick={() => {
                setTake(null);
                setPhase(stream.current ? "ready" : "off");
              }}
            >
              Record again
            </button>
          </p>
          <p class="hint">Once submitted and published, an answer is on the record: it cannot be replaced.</p>
        </div>
      )}
    </div>
  );
}
