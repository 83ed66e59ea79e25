package api

import (
	"testing"
	"unicode/utf8"

	"github.com/civicq/civicq/shared/domain"
)

// The request decoders take whatever a client sends. `make test` runs these seeds;
// `go test -fuzz FuzzDecodeVote ./shared/api/` searches further.

func FuzzDecodeVote(f *testing.F) {
	for _, s := range []string{`{"value":1}`, `{"value":-1}`, `{"value":0}`, `{"value":2}`, `{"value":"1"}`,
		`{"value":1.0}`, `{"value":1e0}`, `{"value":null}`, `{}`, `[]`, `null`, ``, `{"value":1}{"value":1}`,
		`{"value":1,"value":-1}`, `{"VALUE":1}`, `{"value":9223372036854775808}`, "{\"value\":1}\x00", `{"value":-0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v voteBody
		msg := decodeStrict(body, &v)
		if msg != "" {
			return
		}
		if v.Value != nil && domain.VoteValue(*v.Value) && (*v.Value < -1 || *v.Value > 1) {
			t.Fatalf("accepted vote %d", *v.Value)
		}
	})
}

func FuzzDecodeAsk(f *testing.F) {
	for _, s := range []string{`{"text":"What will you do about rents in Riverton?"}`,
		`{"text":"What will you do about rents?","context":"Rents rose 30%.","tags":["housing","Budget"]}`,
		`{"text":"short"}`, `{"text":"` + string(make([]byte, 600)) + `"}`, `{"tags":["a","b","c","d","e","f"]}`,
		`{"text":"Will you fund the   library?","tags":["libraries","libraries"]}`, `{"text":"\ud800 lone surrogate text here"}`,
		`{"text":"ok ok ok ok ok","tags":["-bad-"]}`, `{"text":42}`, `{"extra":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.AskInput
		if decodeStrict(body, &in) != "" {
			return
		}
		out, problems := in.Clean()
		if len(problems) > 0 {
			return
		}
		if n := utf8.RuneCountInString(out.Text); n < domain.QuestionMinChars || n > domain.QuestionMaxChars || !utf8.ValidString(out.Text) {
			t.Fatalf("accepted text of %d runes: %q", n, out.Text)
		}
		if utf8.RuneCountInString(out.Context) > domain.ContextMaxChars {
			t.Fatalf("accepted context of %d runes", utf8.RuneCountInString(out.Context))
		}
		if len(out.Tags) > domain.MaxTags {
			t.Fatalf("accepted %d tags", len(out.Tags))
		}
		for _, tag := range out.Tags {
			if tag == "" || len(tag) > domain.MaxTagChars {
				t.Fatalf("accepted tag %q", tag)
			}
		}
		if domain.NormalizeQuestion(out.Text) == "" && len(out.Text) > 0 {
			// A text of only punctuation normalizes to nothing: the store's check
			// (1..1000 characters) would refuse it with a 500, so Clean must have.
			t.Fatalf("accepted a text with no words: %q", out.Text)
		}
	})
}
