import { defineConfig } from "vite";

// The app is plain Preact with its automatic JSX runtime; no plugin is needed.
// `npm run dev` proxies /api and /config.json to a running `make dev` gateway, so
// the page and the API share an origin as they do behind CloudFront.
const gateway = process.env.CIVICQ_GATEWAY ?? "http://localhost:8080";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Hashed file names under assets/ are cached for a year; index.html never is.
    assetsDir: "assets",
    sourcemap: false,
    // hls.js (about 580 KB, 180 KB gzipped) is its own chunk, loaded only where
    // video plays; tests/size.test.mjs checks the first-load budget instead.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { "/api": gateway, "/config.json": gateway },
  },
});
