// lazy loads a page's code the first time the page is opened, so that what
// only candidates and moderators use (the recorder, the moderation forms) stays
// out of every resident's first load. Vite turns each import() into a chunk.

import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Loading, Page } from "./ui";

export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  return function Lazy(props: P) {
    const [C, setC] = useState<ComponentType<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (C) return;
      loading ??= load().then((c) => (loaded = c));
      loading.then(
        (c) => setC(() => c),
        () => {
          loading = undefined; // try again on the next visit
          setFailed(true);
        },
      );
    }, []);
    if (failed) {
      return (
        <Page title="This page could not be loaded">
          <p class="error" role="alert">
            Check your connection, then reload the page.
          </p>
        </Page>
      );
    }
    return C ? <C {...props} /> : <Loading what="the page" />;
  };
}
