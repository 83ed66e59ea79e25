package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Public read responses are cached gzip-compressed. Nearly every client (browsers,
// CloudFront with compression on) accepts gzip, so the common path writes cached
// bytes as they are: a quarter of the size through Redis, the Lambda response
// payload and the network, and no JSON re-encoding. The rare client that does not
// accept gzip gets the bytes decompressed.

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return w
}}

// compress gzips a response body once, when it is cached.
func compress(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(body) / 3)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decompress(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		// strings.Cut rather than strings.Split: this runs on every cached read,
		// and Split allocates a slice each time.
		for rest := v; rest != ""; {
			var part string
			part, rest, _ = strings.Cut(rest, ",")
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
				continue
			}
			// "gzip;q=0" means "not gzip".
			if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// writeCachedJSON writes a gzip-compressed JSON body with the given Cache-Control.
func writeCachedJSON(w http.ResponseWriter, r *http.Request, log *slog.Logger, gz []byte, cacheControl string) {
	body := gz
	encoding := "gzip"
	if !acceptsGzip(r) {
		plain, err := decompress(gz)
		if err != nil {
			log.ErrorContext(r.Context(), "cached body is not gzip", "error", err.Error())
			WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
			return
		}
		body, encoding = plain, ""
	}
	// The hottest responses of all: their headers share one backing array rather
	// than a slice per http.Header.Set (three-index slices, so an Add elsewhere
	// cannot write into a neighbour).
	v := [...]string{"application/json", cacheControl, "Accept-Encoding", strconv.Itoa(len(body)), encoding}
	vals := v[:] // escapes: one allocation for all five
	h := w.Header()
	h["Content-Type"] = vals[0:1:1]
	h["Cache-Control"] = vals[1:2:2]
	h["Vary"] = vals[2:3:3]
	h["Content-Length"] = vals[3:4:4]
	if encoding != "" {
		h["Content-Encoding"] = vals[4:5:5]
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
