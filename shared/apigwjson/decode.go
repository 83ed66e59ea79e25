package apigwjson

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// decoder is a strict reader of one JSON document. Every method reports false when
// the input leaves the fast path: invalid JSON, an unexpected type, or anything
// whose decoding by encoding/json this reader does not reproduce exactly. The
// caller then starts over with encoding/json, so false never means "an error" and
// a partial result is never used.
type decoder struct {
	data []byte
	pos  int
}

// maxDepth bounds the nesting of skipped values; deeper documents leave the fast
// path (encoding/json accepts up to 10,000 levels and reports the error itself).
const maxDepth = 64

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// end reports whether only whitespace follows the document.
func (d *decoder) end() bool {
	d.ws()
	return d.pos == len(d.data)
}

// consume skips whitespace and then the byte c.
func (d *decoder) consume(c byte) bool {
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// peek skips whitespace and returns the next byte (0 at the end).
func (d *decoder) peek() byte {
	d.ws()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// literal consumes lit (true, false, null) when it comes next.
func (d *decoder) literal(lit string) bool {
	d.ws()
	if bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		d.pos += len(lit)
		return true
	}
	return false
}

// null consumes a null when one comes next.
func (d *decoder) null() bool { return d.peek() == 'n' && d.literal("null") }

// object reads an object into a struct: it calls field with each member's key,
// positioned at the member's value, which field must consume. fields are the
// struct's JSON names (for unknown).
func (d *decoder) object(fields []string, field func(key []byte) bool) bool {
	if !d.consume('{') {
		return false // null or another type: encoding/json's call
	}
	if d.consume('}') {
		return true
	}
	for {
		key, ok := d.key()
		if !ok || !field(key) {
			return false
		}
		if d.consume(',') {
			continue
		}
		return d.consume('}')
	}
}

// key reads a member name and the colon after it.
func (d *decoder) key() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	k, ok := d.strBytes()
	return k, ok && d.consume(':')
}

// unknown handles a member that matches none of a struct's fields exactly.
// encoding/json matches field names case-insensitively (with Unicode folding), so
// a name that folds to a field, or any non-ASCII name, leaves the fast path; any
// other is ignored, as encoding/json ignores unknown members, after checking that
// its value is valid JSON.
func (d *decoder) unknown(key []byte, fields []string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f)) {
			return false
		}
	}
	return d.skip(0)
}

// str reads a string into *s (a null or another type leaves the fast path),
// interned (see intern.go): use it for values that repeat from request to request.
func (d *decoder) str(s *string) bool {
	if d.peek() != '"' {
		return false
	}
	b, ok := d.strBytes()
	if ok {
		*s = intern(b)
	}
	return ok
}

// unique reads a string that differs on every request (an id, a time, a body)
// without interning it.
func (d *decoder) unique(s *string) bool {
	if d.peek() != '"' {
		return false
	}
	b, ok := d.strBytes()
	if ok {
		*s = string(b)
	}
	return ok
}

// strBytes reads the string starting at d.pos, which the caller has checked is '"'
// (with peek). The result aliases the
// input unless the string has escapes. Control characters and invalid escapes are
// invalid JSON; invalid UTF-8 and escaped surrogates (which encoding/json replaces
// with U+FFFD) leave the fast path.
func (d *decoder) strBytes() ([]byte, bool) {
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		i += plainBytes(d.data[i:])
		if i == len(d.data) {
			break
		}
		switch c := d.data[i]; {
		case c == '"':
			raw := d.data[start:i]
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			d.pos = i + 1
			return raw, true
		case c == '\\':
			return d.unescape(start, i)
		case c < 0x20:
			return nil, false
		default: // c >= 0x80
			ascii = false
		}
	}
	return nil, false
}

// unescape finishes a string that has escapes: raw is data[start:esc], esc the
// first backslash.
func (d *decoder) unescape(start, esc int) ([]byte, bool) {
	out := make([]byte, 0, esc-start+16)
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return nil, false
			}
			d.pos = i + 1
			return out, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			return nil, false
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+6 > len(d.data) {
				return nil, false
			}
			r, err := strconv.ParseUint(string(d.data[i+2:i+6]), 16, 32)
			if err != nil || (r >= 0xD800 && r <= 0xDFFF) {
				return nil, false // not hex, or a surrogate: encoding/json's rules
			}
			out = utf8.AppendRune(out, rune(r))
			i += 6
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return nil, false
}

func (d *decoder) boolean(b *bool) bool {
	switch d.peek() {
	case 't':
		*b = true
		return d.literal("true")
	case 'f':
		*b = false
		return d.literal("false")
	case 'n':
		return d.literal("null") // null leaves a bool as it was
	}
	return false
}

// int64 reads a plain integer (no fraction or exponent, which encoding/json refuses
// for an integer field; no leading zeros, which JSON refuses).
func (d *decoder) int64(n *int64) bool {
	d.ws()
	start := d.pos
	i := start
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	digits := i
	for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
		i++
	}
	if i == digits || (d.data[digits] == '0' && i-digits > 1) {
		return false
	}
	if i < len(d.data) {
		if c := d.data[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	v, err := strconv.ParseInt(string(d.data[start:i]), 10, 64)
	if err != nil {
		return false
	}
	*n = v
	d.pos = i
	return true
}

// strMap reads an object of strings into *m, adding to the map that is there as
// encoding/json does; null sets it to nil.
func (d *decoder) strMap(m *map[string]string) bool {
	if d.null() {
		*m = nil
		return true
	}
	if !d.consume('{') {
		return false
	}
	if *m == nil {
		*m = make(map[string]string)
	}
	if d.consume('}') {
		return true
	}
	for {
		k, ok := d.key()
		if !ok {
			return false
		}
		var v string
		if !d.str(&v) {
			return false
		}
		(*m)[intern(k)] = v
		if d.consume(',') {
			continue
		}
		return d.consume('}')
	}
}

// strSlice reads an array of strings into *s (an empty array is an empty, non-nil
// slice, as with encoding/json); null sets it to nil.
func (d *decoder) strSlice(s *[]string) bool {
	if d.null() {
		*s = nil
		return true
	}
	if !d.consume('[') {
		return false
	}
	out := []string{}
	if d.consume(']') {
		*s = out
		return true
	}
	for {
		var v string
		if !d.str(&v) {
			return false
		}
		out = append(out, v)
		if d.consume(',') {
			continue
		}
		if !d.consume(']') {
			return false
		}
		*s = out
		return true
	}
}

// multiMap reads an object of string arrays into *m (see strMap).
func (d *decoder) multiMap(m *map[string][]string) bool {
	if d.null() {
		*m = nil
		return true
	}
	if !d.consume('{') {
		return false
	}
	if *m == nil {
		*m = make(map[string][]string)
	}
	if d.consume('}') {
		return true
	}
	for {
		k, ok := d.key()
		if !ok || d.peek() != '[' {
			return false
		}
		var v []string
		if !d.strSlice(&v) {
			return false
		}
		(*m)[intern(k)] = v
		if d.consume(',') {
			continue
		}
		return d.consume('}')
	}
}

// skip checks and passes over any one value.
func (d *decoder) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch d.peek() {
	case '"':
		_, ok := d.strBytes()
		return ok
	case '{':
		d.pos++
		if d.consume('}') {
			return true
		}
		for {
			if _, ok := d.key(); !ok || !d.skip(depth+1) {
				return false
			}
			if d.consume(',') {
				continue
			}
			return d.consume('}')
		}
	case '[':
		d.pos++
		if d.consume(']') {
			return true
		}
		for {
			if !d.skip(depth + 1) {
				return false
			}
			if d.consume(',') {
				continue
			}
			return d.consume(']')
		}
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.number()
}

// number passes over a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() bool {
	data, i := d.data, d.pos
	digits := func() bool {
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	d.pos = i
	return true
}
