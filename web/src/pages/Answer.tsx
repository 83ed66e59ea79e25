// The candidate's pages (loaded on demand: residents never download them): the
// question queue of their contest by rank, and answering one question with a
// video recorded in the browser or chosen from a file, uploaded straight to S3
// with a progress bar, then followed until it is published.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, cityPath } from "../api";
import { Recorder, recordingSupported, type Take } from "../answer/Recorder";
import { accepted, postToS3, UploadError, videoType } from "../answer/upload";
import { useSession } from "../auth";
import { formatDuration, VideoPlayer } from "../components/VideoPlayer";
import type {
  AnswerProgress,
  AnswerState,
  AnswerUpload,
  CandidateProfile,
  ListedQuestion,
  Me,
  QuestionList,
  QuestionPage,
} from "../types";
import { ErrorNote, Loading, Page, StatusBadge, useData } from "../ui";
import { questionHref } from "./Contest";

export function queueHref(city: string, candidate: string) {
  return `/${encodeURIComponent(city)}/candidates/${encodeURIComponent(candidate)}/queue`;
}

export function answerHref(city: string, candidate: string, question: string) {
  return `/${encodeURIComponent(city)}/candidates/${encodeURIComponent(candidate)}/answers/${encodeURIComponent(question)}`;
}

/** useCandidacy tells whether the signed-in caller holds the verified claim of candidate. */
function useCandidacy(candidate: string) {
  const session = useSession();
  const me = useData("me:" + (session?.subject ?? ""), (signal) =>
    session ? api<Me>("/me", { signal, auth: true }) : Promise.resolve(null),
  );
  const c = me.data?.candidacies.find((x) => x.candidateId === candidate);
  return { session, me, verified: c?.verification === "verified", candidacy: c };
}

function NotYours({ signedIn, city, candidate }: { signedIn: boolean; city: string; candidate: string }) {
  return signedIn ? (
    <p class="notice">
      Only the candidate's own verified account answers here. If this is your record,{" "}
      <a href={`/${encodeURIComponent(city)}/candidates/${encodeURIComponent(candidate)}`}>claim it</a> and wait for the city's
      approval.
    </p>
  ) : (
    <p class="notice">
      <a href={"/signin?next=" + encodeURIComponent(location.pathname)}>Sign in</a> with the candidate's account to answer questions.
    </p>
  );
}

/** Queue is the candidate's list of their contest's questions, best ranked first. */
export function Queue({ city, candidate }: { city: string; candidate: string }) {
  const who = useCandidacy(candidate);
  const profile = useData("candidate:" + city + ":" + candidate, (signal) =>
    api<CandidateProfile>(cityPath(city, "candidates", candidate), { signal }),
  );
  // The candidate's own answers, private and never cached (the public profile
  // may be a minute old in the browser's or the CDN's cache).
  const mine = useData("mine:" + candidate + ":" + who.verified, (signal) =>
    who.verified
      ? api<{ answers: AnswerState[] }>(cityPath(city, "candidates", candidate, "answers"), { signal, auth: true })
      : Promise.resolve(null),
  );
  const contest = profile.data?.contest.id;
  const first = useData("queue:" + (contest ?? ""), (signal) =>
    contest
      ? api<QuestionList>(cityPath(city, "contests", contest, "questions") + "?sort=top", { signal })
      : Promise.resolve(null),
  );
  const [more, setMore] = useState<{ items: ListedQuestion[]; next?: string; busy: boolean; error?: Error }>({ items: [], busy: false });

  if (!profile.data || who.me.loading) {
    return (
      <Page title="Questions to answer">
        {profile.error ? <ErrorNote error={profile.error} retry={profile.reload} /> : <Loading what="your questions" />}
      </Page>
    );
  }
  const p = profile.data;
  if (!who.verified) {
    return (
      <Page title="Questions to answer">
        <NotYours signedIn={!!who.session} city={city} candidate={candidate} />
      </Page>
    );
  }
  const states = new Map((mine.data?.answers ?? []).map((a) => [a.questionId, a]));
  const answered = [...states.values()].filter((a) => a.status === "published").length;
  const items = [...(first.data?.questions ?? []), ...more.items];
  const next = more.items.length > 0 ? more.next : first.data?.next;
  async function loadMore() {
    if (!next || !contest) return;
    setMore((m) => ({ ...m, busy: true, error: undefined }));
    try {
      const page = await api<QuestionList>(
        cityPath(city, "contests", contest, "questions") + "?sort=top&cursor=" + encodeURIComponent(next),
      );
      setMore((m) => ({ items: [...m.items, ...page.questions], next: page.next, busy: false }));
    } catch (error) {
      setMore((m) => ({ ...m, busy: false, error: error as Error }));
    }
  }
  return (
    <Page
      title="Questions to answer"
      lead={
        <>
          {p.candidate.name}, {p.contest.title}: residents' questions, the best ranked first. One video answer per question.
        </>
      }
    >
      <p>
        {answered} answered of {first.data?.total ?? "…"} questions.
      </p>
      {first.loading && <Loading what="questions" />}
      {first.error && <ErrorNote error={first.error} retry={first.reload} />}
      <ol class="question-list queue">
        {items.map((q, i) => (
          <li key={q.id} class="question">
            <p class="q-text">
              <span class="rank">{i + 1}.</span> {q.text}
            </p>
            <p class="meta">
              <span>
                {q.upvotes} up, {q.downvotes} down
              </span>
              <QueueState city={city} candidate={candidate} q={q} state={states.get(q.id)} />
            </p>
          </li>
        ))}
      </ol>
      {more.error && <ErrorNote error={more.error} />}
      {next && (
        <button type="button" onClick={loadMore} disabled={more.busy}>
          {more.busy ? "Loading…" : "More questions"}
        </button>
      )}
    </Page>
  );
}

/** QueueState is where the candidate's answer to q stands, and the way to it. */
function QueueState({ city, candidate, q, state }: { city: string; candidate: string; q: ListedQuestion; state?: AnswerState }) {
  if (state?.status === "published") {
    return (
      <>
        <StatusBadge status="published" /> <a href={questionHref(city, q.id)}>See your answer</a>
      </>
    );
  }
  const busy = state?.status === "processing" || state?.status === "uploading";
  return (
    <>
      {state && state.status !== "draft" && <StatusBadge status={state.status} />}
      {state?.status === "processing" && <span>{state.percent}%</span>}
      <a class={busy ? undefined : "button"} href={answerHref(city, candidate, q.id)}>
        {busy ? "Follow it" : state?.status === "failed" ? "Try again" : "Answer"}
        <span class="sr">: {q.text}</span>
      </a>
    </>
  );
}

/** What the page does with the answer: choosing how to record, sending it, or following it. */
type Stage = { kind: "choose" } | { kind: "uploading"; sent: number; total: number } | { kind: "following" };

/** AnswerPage answers one question: record or choose a file, upload, follow until published. */
export function AnswerPage({ city, candidate, question }: { city: string; candidate: string; question: string }) {
  const who = useCandidacy(candidate);
  const q = useData("question:" + city + ":" + question, (signal) => api<QuestionPage>(cityPath(city, "questions", question), { signal }));
  const progressPath = cityPath(city, "candidates", candidate, "answers", question);
  const progress = useData("progress:" + progressPath + ":" + who.verified, (signal) =>
    who.verified ? api<AnswerProgress>(progressPath, { signal, auth: true }) : Promise.resolve(null),
  );
  const [stage, setStage] = useState<Stage>({ kind: "choose" });
  const [latest, setLatest] = useState<AnswerProgress | null>(null);
  const [error, setError] = useState("");
  const [mode, setMode] = useState<"record" | "file">(recordingSupported() ? "record" : "file");
  const abort = useRef<AbortController | null>(null);
  const statusRef = useRef<HTMLHeadingElement>(null);

  const current = latest ?? progress.data ?? null;
  useEffect(() => () => abort.current?.abort(), []);

  // Follow the answer while the transcoder works on it, every second.
  const settled = current?.status === "published" || current?.status === "failed";
  useEffect(() => {
    if (stage.kind !== "following" || settled) return;
    let stop = false;
    const tick = async () => {
      try {
        const p = await api<AnswerProgress>(progressPath, { auth: true });
        if (!stop) setLatest(p);
      } catch {
        // a missed poll is retried on the next tick
      }
    };
    const t = window.setInterval(tick, 1000);
    void tick();
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [stage.kind, settled, progressPath]);
  useEffect(() => {
    if (stage.kind === "following") statusRef.current?.focus();
  }, [stage.kind]);
  // A refused upload: its reason shows, and the candidate may try again.
  useEffect(() => {
    if (stage.kind === "following" && current?.status === "failed") setStage({ kind: "choose" });
  }, [stage.kind, current?.status]);

  async function submit(blob: Blob, type: string, filename: string) {
    setError("");
    abort.current = new AbortController();
    setStage({ kind: "uploading", sent: 0, total: blob.size });
    try {
      const grant = await api<AnswerUpload>(cityPath(city, "candidates", candidate, "answers", question, "upload"), {
        method: "POST",
        auth: true,
        body: { contentType: type, size: blob.size },
      });
      await postToS3(grant, blob, filename, (sent, total) => setStage({ kind: "uploading", sent, total }), abort.current.signal);
      setLatest({ ...(current as AnswerProgress), status: "uploading", percent: 0, failureReason: undefined });
      setStage({ kind: "following" });
    } catch (err) {
      setError(err instanceof ApiError || err instanceof UploadError ? err.message : "The upload failed. Please try again.");
      setStage({ kind: "choose" });
    }
  }

  if (!q.data || who.me.loading || progress.loading) {
    return (
      <Page title="Answer a question">
        {q.error ? <ErrorNote error={q.error} retry={q.reload} /> : <Loading what="the question" />}
      </Page>
    );
  }
  const question_ = q.data.question;
  if (!who.verified) {
    return (
      <Page title="Answer a question">
        <NotYours signedIn={!!who.session} city={city} candidate={candidate} />
      </Page>
    );
  }
  if (progress.error || !current) {
    return (
      <Page title="Answer a question">
        <ErrorNote error={progress.error ?? new Error("Your answer could not be loaded.")} retry={progress.reload} />
      </Page>
    );
  }
  const limits = { minSeconds: current.minSeconds, maxSeconds: current.maxSeconds };
  const published = current.status === "published";
  const failed = current.status === "failed";
  return (
    <Page title="Answer a question" lead={<>“{question_.text}”</>}>
      <p>
        <a href={queueHref(city, candidate)}>← All questions to answer</a>
      </p>
      {(stage.kind === "following" || published || (failed && stage.kind === "choose")) && (
        <section aria-labelledby="status" class="status-box">
          <h2 id="status" ref={statusRef} tabIndex={-1}>
            Your answer: <StatusBadge status={current.status} />
          </h2>
          <AnswerStatus progress={current} />
          {published && current.playback && (
            <>
              <VideoPlayer playback={current.playback} title="Your published answer" />
              <p>
                It is on the <a href={questionHref(city, question)}>question's page</a>. Answers are on the record: there is no
                re-record.
              </p>
            </>
          )}
        </section>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {stage.kind === "uploading" && <UploadProgress sent={stage.sent} total={stage.total} />}
      {!published && stage.kind === "choose" && (
        <section aria-labelledby="record">
          <h2 id="record">{failed ? "Try again" : "Record your answer"}</h2>
          {current.status === "processing" || current.status === "uploading" ? (
            <p class="notice">
              An earlier upload is {current.status === "processing" ? "being processed" : "not finished"}. Submitting again
              replaces it.
            </p>
          ) : null}
          <div role="radiogroup" aria-label="How to answer" class="choice">
            {recordingSupported() && (
              <label>
                <input type="radio" name="mode" checked={mode === "record"} onChange={() => setMode("record")} /> Record with the
                camera
              </label>
            )}
            <label>
              <input type="radio" name="mode" checked={mode === "file"} onChange={() => setMode("file")} /> Choose a video file
            </label>
          </div>
          {mode === "record" ? (
            <Recorder
              {...limits}
              busy={false}
              onSubmit={(take: Take) => submit(take.blob, take.type, "answer." + (take.type.includes("mp4") ? "mp4" : "webm"))}
            />
          ) : (
            <FilePicker {...limits} onSubmit={(f) => submit(f, videoType(f), f.name)} />
          )}
        </section>
      )}
    </Page>
  );
}

function UploadProgress({ sent, total }: { sent: number; total: number }) {
  const pct = total > 0 ? Math.round((sent / total) * 100) : 0;
  return (
    <div class="upload">
      <label for="upload-progress">Uploading your answer: {pct}%</label>
      <progress id="upload-progress" max={100} value={pct} />
      <p class="meta">
        {(sent / 1e6).toFixed(1)} of {(total / 1e6).toFixed(1)} MB. Keep this page open until the upload finishes.
      </p>
    </div>
  );
}

const stateText: Record<string, string> = {
  none: "Not recorded yet.",
  draft: "Not recorded yet.",
  uploading: "Waiting for the upload to reach us…",
  processing: "Preparing the video for every screen size…",
  published: "Published: residents can watch it.",
  failed: "The video could not be used.",
};

function AnswerStatus({ progress: p }: { progress: AnswerProgress }) {
  return (
    <div class="answer-status">
      <p role="status">
        {stateText[p.status] ?? p.status}
        {p.status === "processing" && ` ${p.percent}%`}
      </p>
      {(p.status === "processing" || p.status === "uploading") && (
        <progress max={100} value={p.percent} aria-label="Processing progress" />
      )}
      {p.status === "failed" && (
        <p class="error" role="alert">
          <strong>Why:</strong> {p.failureReason || "no reason was given."}
        </p>
      )}
    </div>
  );
}

/** FilePicker chooses a video file, previews it and checks what the browser can tell of it. */
function FilePicker({ minSeconds, maxSeconds, onSubmit }: { minSeconds: number; maxSeconds: number; onSubmit: (f: File) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [url, setUrl] = useState("");
  const [duration, setDuration] = useState<number | null>(null);
  useEffect(() => {
    if (!file) return;
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  const type = file ? videoType(file) : "";
  let problem = "";
  if (file && !accepted(type)) problem = "Choose a WebM, MP4 or QuickTime (.mov) video.";
  else if (duration !== null && Number.isFinite(duration) && (duration < minSeconds || duration > maxSeconds + 0.5))
    problem = `This video is ${formatDuration(duration)} long; answers are ${formatDuration(minSeconds)} to ${formatDuration(maxSeconds)}.`;
  return (
    <div class="file-picker">
      <div class="field">
        <label for="answer-file">Video file</label>
        <p class="hint" id="answer-file-hint">
          WebM, MP4 or QuickTime, {formatDuration(minSeconds)} to {formatDuration(maxSeconds)} long.
        </p>
        <input
          id="answer-file"
          type="file"
          accept="video/webm,video/mp4,video/quicktime,.webm,.mp4,.mov"
          aria-describedby={"answer-file-hint" + (problem ? " answer-file-error" : "")}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => {
            setDuration(null);
            setFile(e.currentTarget.files?.[0] ?? null);
          }}
        />
        {problem && (
          <p class="field-error" id="answer-file-error">
            {problem}
          </p>
        )}
      </div>
      {file && url && accepted(type) && (
        <video
          class="preview"
          src={url}
          controls
          playsInline
          preload="metadata"
          aria-label="The chosen video"
          onLoadedMetadata={(e) => setDuration(e.currentTarget.duration)}
        />
      )}
      {file && (
        <p>
          <button type="button" disabled={!!problem} onClick={() => onSubmit(file)}>
            Submit this answer
          </button>
        </p>
      )}
    </div>
  );
}
