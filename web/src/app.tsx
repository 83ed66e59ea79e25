import { useEffect, useRef, useState } from "preact/hooks";
import { signOut, useSession } from "./auth";
import { Ask } from "./pages/Ask";
import { SignIn, SignUp } from "./pages/Auth";
import { Ballot } from "./pages/Ballot";
import { Candidate } from "./pages/Candidate";
import { lazy } from "./lazy";
import { Contest } from "./pages/Contest";
import { Home } from "./pages/Home";
import { Me } from "./pages/Me";
import { Question } from "./pages/Question";
import { match, navigate, useLocation, type Location } from "./router";
import { SORTS, type Sort } from "./types";
import { Page } from "./ui";

// Candidates' and moderators' pages, loaded on demand.
const Queue = lazy(() => import("./pages/Answer").then((m) => m.Queue));
const AnswerPage = lazy(() => import("./pages/Answer").then((m) => m.AnswerPage));
const ModerationQueue = lazy(() => import("./pages/Moderation").then((m) => m.ModerationQueue));
const ModerationLog = lazy(() => import("./pages/Moderation").then((m) => m.ModerationLog));
const Claims = lazy(() => import("./pages/Moderation").then((m) => m.Claims));

function route(loc: Location) {
  const { path, query } = loc;
  let m: Record<string, string> | null;
  if (path === "/") return <Home />;
  if (path === "/me") return <Me />;
  if (path === "/signin") return <SignIn next={query.get("next")} />;
  if (path === "/signup") return <SignUp next={query.get("next")} />;
  if ((m = match("/:city/contests/:id/ask", path))) return <Ask city={m.city!} contestId={m.id!} />;
  if ((m = match("/:city/contests/:id", path))) {
    const s = query.get("sort") as Sort | null;
    return <Contest city={m.city!} id={m.id!} sort={s && SORTS.includes(s) ? s : "top"} />;
  }
  if ((m = match("/:city/questions/:id", path))) return <Question city={m.city!} id={m.id!} />;
  if ((m = match("/:city/candidates/:id", path))) return <Candidate city={m.city!} id={m.id!} />;
  if ((m = match("/:city/candidates/:id/queue", path))) return <Queue city={m.city!} candidate={m.id!} />;
  if ((m = match("/:city/candidates/:id/answers/:q", path))) return <AnswerPage city={m.city!} candidate={m.id!} question={m.q!} />;
  if ((m = match("/:city/moderation", path))) return <ModerationQueue city={m.city!} />;
  if ((m = match("/:city/moderation/log", path))) return <ModerationLog city={m.city!} />;
  if ((m = match("/:city/claims", path))) return <Claims city={m.city!} />;
  if ((m = match("/:city", path))) return <Ballot city={m.city!} />;
  return (
    <Page title="Page not found">
      <p>
        There is no page at this address. <a href="/">Choose your city</a>.
      </p>
    </Page>
  );
}

export function App() {
  const loc = useLocation();
  const session = useSession();
  const main = useRef<HTMLElement>(null);
  const [announce, setAnnounce] = useState("");
  const first = useRef(true);

  // After a navigation (not the first load): focus the main region so keyboard and
  // screen-reader users start at the new content, and announce the new title
  // once the page has set it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
    const t = setTimeout(() => setAnnounce(document.title), 400);
    return () => clearTimeout(t);
  }, [loc.path, loc.query.toString()]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Site">
          <a class="brand" href="/">
            CivicQ
          </a>
          <ul>
            {session ? (
              <>
                <li>
                  <a href="/me" aria-current={loc.path === "/me" ? "page" : undefined}>
                    My questions
                  </a>
                </li>
                <li>
                  <button
                    type="button"
                    class="link"
                    onClick={() => {
                      signOut();
                      navigate("/");
                    }}
                  >
                    Sign out<span class="sr"> {session.email}</span>
                  </button>
                </li>
              </>
            ) : (
              <li>
                <a
                  href={
                    loc.path === "/signin" || loc.path === "/signup"
                      ? "/signin"
                      : "/signin?next=" + encodeURIComponent(loc.path + (loc.query.size ? "?" + loc.query : ""))
                  }
                  aria-current={loc.path === "/signin" ? "page" : undefined}
                >
                  Sign in
                </a>
              </li>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {route(loc)}
      </main>
      <footer class="bottom">
        <p>CivicQ: questions from residents, answers on the record.</p>
      </footer>
      <div class="sr" aria-live="polite" aria-atomic="true">
        {announce}
      </div>
    </>
  );
}
