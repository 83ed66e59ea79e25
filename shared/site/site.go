// Package site serves the web app's build (web/dist) the way the cloud does, for
// the local gateway: hashed assets cached for a year, index.html never cached,
// any other page path answered with index.html (the app routes with the History
// API), /config.json written from the server's settings, and the same
// Content-Security-Policy as CloudFront's response headers policy. The CDK stack
// reads BaseCSP from here too, so the local page breaks exactly where the cloud's
// would.
package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
)

// BaseCSP is the Content-Security-Policy of every page: scripts, styles and media
// from the site's own origin only (no inline code), no framing. The stack and the
// local server append the extra origins the page may call (Cognito's endpoint, the
// uploads bucket) to its connect-src, which must stay last.
const BaseCSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
	"style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; connect-src 'self'"

// Cache lifetimes. Vite names every asset after its content (assets/index-<hash>.js),
// so a new build never reuses a name and browsers may keep assets for good;
// index.html and config.json name the current build and must be revalidated.
const (
	AssetsCacheControl = "public, max-age=31536000, immutable"
	PageCacheControl   = "no-cache"
	OtherCacheControl  = "public, max-age=3600"
	// AssetsDir is where the build puts hashed files.
	AssetsDir = "assets"
)

// Config is /config.json: what the page needs to know about its server at run
// time, so one build runs anywhere.
type Config struct {
	// APIBase is the path prefix of the API ("/api").
	APIBase string `json:"apiBase"`
	// Cognito is set when sign-in is available.
	Cognito *Cognito `json:"cognito,omitempty"`
	// Issuer is the token issuer the API trusts (informational: the API checks it).
	Issuer string `json:"issuer,omitempty"`
}

// Cognito says where the page signs residents up and in: the user pool API
// endpoint (Cognito's regional one, or cognito-local's), the pool and the app
// client whose ID tokens the API accepts.
type Cognito struct {
	Endpoint   string `json:"endpoint"`
	Region     string `json:"region"`
	UserPoolID string `json:"userPoolId"`
	ClientID   string `json:"clientId"`
}

// ConfigFromEnv builds the local config.json from the devserver's environment:
// COGNITO_ENDPOINT, COGNITO_REGION (default AWS_REGION, else us-east-1),
// COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID (default: the first JWT_AUDIENCE),
// and JWT_ISSUER. Without an endpoint and a client id, sign-in is off.
func ConfigFromEnv() Config {
	c := Config{APIBase: "/api", Issuer: os.Getenv("JWT_ISSUER")}
	client := os.Getenv("COGNITO_CLIENT_ID")
	if client == "" {
		client = strings.TrimSpace(strings.Split(os.Getenv("JWT_AUDIENCE"), ",")[0])
	}
	if ep := os.Getenv("COGNITO_ENDPOINT"); ep != "" && client != "" {
		region := first(os.Getenv("COGNITO_REGION"), os.Getenv("AWS_REGION"), "us-east-1")
		c.Cognito = &Cognito{Endpoint: ep, Region: region, UserPoolID: os.Getenv("COGNITO_USER_POOL_ID"), ClientID: client}
	}
	return c
}

// Site is an http.Handler for the web app's files.
type Site struct {
	files  fs.FS // nil when the app is not built
	dir    string
	config []byte
	csp    string
}

// New serves the build in dir with cfg as /config.json. A missing build is not an
// error: pages then answer 404 saying how to build it, and /api is unaffected.
// connect lists more URLs whose origins the page may call (the uploads
// endpoint), as the stack's ConnectSrc does.
func New(dir string, cfg Config, connect ...string) (*Site, error) {
	if cfg.APIBase == "" {
		cfg.APIBase = "/api"
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	s := &Site{dir: dir, config: body, csp: CSP(cfg, connect...)}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		s.files = os.DirFS(dir)
	}
	return s, nil
}

// NewFS serves files from fsys (tests use an in-memory build).
func NewFS(fsys fs.FS, cfg Config, connect ...string) (*Site, error) {
	s, err := New("", cfg, connect...)
	if err != nil {
		return nil, err
	}
	s.files = fsys
	return s, nil
}

// CSP is BaseCSP with the origins of the Cognito endpoint and of the connect
// URLs allowed in connect-src.
func CSP(cfg Config, connect ...string) string {
	csp := BaseCSP
	if cfg.Cognito != nil {
		connect = append([]string{cfg.Cognito.Endpoint}, connect...)
	}
	seen := map[string]bool{}
	for _, c := range connect {
		if u, err := url.Parse(c); err == nil && u.Scheme != "" && u.Host != "" {
			if o := u.Scheme + "://" + u.Host; !seen[o] {
				seen[o] = true
				csp += " " + o
			}
		}
	}
	return csp
}

// ServeHTTP answers GET and HEAD for files, /config.json and page paths.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	p := path.Clean("/" + r.URL.Path)
	if p == "/config.json" {
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", PageCacheControl)
		http.ServeContent(w, r, "config.json", time.Time{}, bytes.NewReader(s.config))
		return
	}
	if s.files == nil {
		plain(w, http.StatusNotFound, "The web app is not built ("+s.dir+" is missing): run `make web`, or `cd web && npm ci && npm run build`.")
		return
	}
	name := strings.TrimPrefix(p, "/")
	if name != "" && name != "index.html" {
		if s.serveFile(w, r, name) {
			return
		}
		// A missing file (it has an extension, or is under assets/) is a 404; any
		// other path is one of the app's pages.
		if name == AssetsDir || strings.HasPrefix(name, AssetsDir+"/") || path.Ext(name) != "" {
			plain(w, http.StatusNotFound, "Not found.")
			return
		}
	}
	s.serveIndex(w, r)
}

// serveFile serves a regular file of the build, reporting false when there is none.
func (s *Site) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	f, err := s.files.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		rs = bytes.NewReader(b)
	}
	h := w.Header()
	h.Set("Content-Type", ContentType(name))
	if strings.HasPrefix(name, AssetsDir+"/") {
		h.Set("Cache-Control", AssetsCacheControl)
	} else {
		h.Set("Cache-Control", OtherCacheControl)
	}
	if path.Ext(name) == ".html" {
		h.Set("Content-Security-Policy", s.csp)
	}
	http.ServeContent(w, r, name, st.ModTime(), rs)
	return true
}

// serveIndex serves index.html for the root and every page path. It is read on
// each request, so a rebuild shows without restarting the server.
func (s *Site) serveIndex(w http.ResponseWriter, r *http.Request) {
	body, err := fs.ReadFile(s.files, "index.html")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			plain(w, http.StatusNotFound, "The web app build has no index.html: run `make web`.")
			return
		}
		plain(w, http.StatusInternalServerError, "Could not read index.html.")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", PageCacheControl)
	h.Set("Content-Security-Policy", s.csp)
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(body))
}

// types are the content types of what a Vite build contains, fixed here rather
// than taken from the machine's MIME database, which differs between systems.
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".vtt":         "text/vtt; charset=utf-8",
	".wasm":        "application/wasm",
}

// ContentType returns the Content-Type for a file name.
func ContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := types[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func plain(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
