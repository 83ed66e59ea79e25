package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// decodeJSON reads exactly one JSON object of type T from a request body, strictly:
// the content type must be JSON, unknown fields and trailing data are refused, and
// every failure says which field and why, as a 400 (or 415). It never writes on
// success.
func decodeJSON[T any](w http.ResponseWriter, r *http.Request) (T, bool) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
			return v, false
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("The request body is larger than the %d bytes this route accepts.", tooBig.Limit))
			return v, false
		}
		WriteError(w, http.StatusBadRequest, "bad_request", "The request body could not be read.")
		return v, false
	}
	if msg := decodeStrict(body, &v); msg != "" {
		WriteError(w, http.StatusBadRequest, "invalid_json", msg)
		return v, false
	}
	return v, true
}

// decodeStrict decodes one JSON value into v and returns a message for people when
// the body is not exactly that.
func decodeStrict(body []byte, v any) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "The request body is empty; send a JSON object."
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset)
		case errors.As(err, &typ):
			if typ.Field == "" {
				return "The body must be a JSON object."
			}
			return fmt.Sprintf("Field %q must be a %s.", typ.Field, jsonKind(typ.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
		case errors.Is(err, io.ErrUnexpectedEOF):
			return "The body is not valid JSON (it ends too early)."
		}
		return "The body is not valid JSON."
	}
	if dec.More() {
		return "The body must hold exactly one JSON object."
	}
	if _, err := dec.Token(); err != io.EOF {
		return "The body must hold exactly one JSON object."
	}
	return ""
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}
