package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestNormalizeQuestion(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only punctuation", "?!... --- ###", ""},
		{"lower-case and trim", "  Will You Fund It?  ", "will you fund it"},
		{"whitespace runs", "rent\t\tcontrol\n\nnow\u00a0please\u3000ok", "rent control now please ok"},
		{"apostrophe joins", "The city's budget, don't you think?", "the citys budget dont you think"},
		{"typographic apostrophes", "Riverton’s council ‘plan’ and O`Brien ʼs", "rivertons council plan and obrien s"},
		{"hyphen splits", "ranked-choice voting and after-school programs", "ranked choice voting and after school programs"},
		{"slash and dash split", "and/or — either–or", "and or either or"},
		{"percent and currency", "Rents went up 30% and $4.2 million", "rents went up 30 and 4 2 million"},
		{"thousands separator", "1,000 homes by 2030, not 2024,2025 or 1,2,3", "1000 homes by 2030 not 2024 2025 or 1 2 3"},
		{"symbols", "parks + libraries = ❤️ #Riverton @mayor", "parks libraries riverton mayor"},
		{"emoji with modifiers", "I 👍🏽 it", "i it"},
		{"accents (composed)", "Café near the Plaza Peña", "cafe near the plaza pena"},
		{"accents (decomposed)", "Cafe\u0301 near the Plaza Pen\u0303a", "cafe near the plaza pena"},
		{"German and Scandinavian", "STRASSE Straße Øresund Æble", "strasse strasse oresund aeble"},
		{"Vietnamese", "Đà Nẵng Việt Nam", "da nang viet nam"},
		{"full-width", "Ｗｉｌｌ　ｙｏｕ　ｆｕｎｄ　ｉｔ？", "will you fund it"},
		{"ligatures and superscripts", "ﬁre oﬃce m² H₂O", "fire office m2 h2o"},
		{"invisible format characters", "soft\u00adhyphen zero\u200dwidth joiner; zero\u200bwidth space", "softhyphen zerowidth joiner zero width space"},
		{"Turkish dotted I", "İstanbul", "istanbul"},
		{"Greek and Cyrillic keep their letters", "Αθήνα Москва!", "αθήνα москва"},
		{"Devanagari keeps its vowel signs", "नमस्ते, दुनिया!", "नमस्ते दुनिया"},
		{"CJK", "市民の質問？", "市民の質問"},
		{"control characters", "line\x00one\x07two", "line one two"},
		{"invalid UTF-8", "bad\xffbyte", "bad byte"},
		{"demo question 1",
			"Rents in Riverton went up 30% in four years. What specifically would you do in your first year to keep people housed?",
			"rents in riverton went up 30 in four years what specifically would you do in your first year to keep people housed"},
		{"demo question 2",
			"River Road has had two pedestrian deaths since 2024. Will you fund the crosswalk and sidewalk plan, and from which budget?",
			"river road has had two pedestrian deaths since 2024 will you fund the crosswalk and sidewalk plan and from which budget"},
		{"demo question 3",
			"Do you support Measure A, the parks and library levy? Why or why not?",
			"do you support measure a the parks and library levy why or why not"},
		{"demo question 4",
			"How would you make city budget decisions easier for residents to follow and weigh in on?",
			"how would you make city budget decisions easier for residents to follow and weigh in on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NormalizeQuestion(tc.in)
			require.Equal(t, tc.want, got)
			require.Equal(t, got, NormalizeQuestion(got), "idempotent")
		})
	}
}

// Texts that differ only in case, punctuation, spacing or accents are the same
// question; texts that differ in a word or a number are not.
func TestNormalizeQuestionKeys(t *testing.T) {
	same := [][]string{
		{"Will you fund the library?", "will you fund the library", "WILL YOU FUND THE LIBRARY!!!", "  Will you   fund the library ?"},
		{"What's your plan for Café Row?", "Whats your plan for cafe row", "What’s your plan for Cafe\u0301 Row?"},
		{"Do you support ranked-choice voting?", "Do you support ranked choice voting?"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			require.Equal(t, NormalizeQuestion(group[0]), NormalizeQuestion(s), "%q vs %q", group[0], s)
		}
	}
	different := [][2]string{
		{"Will you raise taxes 4.2%?", "Will you raise taxes 42%?"},
		{"Will you fund the library?", "Will you defund the library?"},
		{"Will you build 1,000 homes?", "Will you build 1 000 homes or 100 homes?"},
	}
	for _, d := range different {
		require.NotEqual(t, NormalizeQuestion(d[0]), NormalizeQuestion(d[1]), "%q vs %q", d[0], d[1])
	}
}

// The key fits the column (normalized_text holds 1 to 1000 characters) even when
// folding expands a 500-character question.
func TestNormalizeQuestionLength(t *testing.T) {
	require.Len(t, []rune(NormalizeQuestion(strings.Repeat("ß", 500))), 1000)
	require.Len(t, []rune(NormalizeQuestion(strings.Repeat("a.", 250))), 499)
	got := NormalizeQuestion(strings.Repeat("ﬃ", 500))
	require.Len(t, []rune(got), MaxNormalizedLen)
	got = NormalizeQuestion(strings.Repeat("ﬃ ", 400))
	require.LessOrEqual(t, len([]rune(got)), MaxNormalizedLen)
	require.False(t, strings.HasSuffix(got, " "))
	require.Equal(t, got, NormalizeQuestion(got))
}

func TestSimilarQuestionJSON(t *testing.T) {
	b, err := json.Marshal(SimilarQuestion{ID: "x", Text: "t", Status: "approved", Similarity: 0.5, Upvotes: 3, Downvotes: 1})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"x","text":"t","status":"approved","similarity":0.5,"upvotes":3,"downvotes":1}`, string(b))
}

// The key is idempotent, trimmed, single-spaced, valid UTF-8 and free of
// punctuation and symbols, whatever the input.
func FuzzNormalizeQuestion(f *testing.F) {
	for _, s := range []string{"", "The city's budget?", "Cafe\u0301 ﬁne Ｈｉ", "1,000 and 2024,2025", "नमस्ते, दुनिया!", "a\u0301\u0301 \u0301b", "bad\xffbyte", "İ ß ﬃ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := NormalizeQuestion(in)
		require.Equal(t, got, NormalizeQuestion(got), "idempotent for %q", in)
		require.True(t, utf8.ValidString(got))
		require.Equal(t, strings.TrimSpace(got), got)
		require.NotContains(t, got, "  ")
		require.LessOrEqual(t, utf8.RuneCountInString(got), MaxNormalizedLen)
		for _, r := range got {
			require.False(t, unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) || (unicode.IsSpace(r) && r != ' '),
				"%q in %q (from %q)", r, got, in)
		}
	})
}
