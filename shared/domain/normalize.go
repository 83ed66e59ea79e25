package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SimilarQuestion is a live question of a contest that resembles a text a resident
// is about to ask, so the resident can up-vote it instead of asking again.
// Similarity is the store's combined score in [0, 1], higher is closer (see
// store.SimilarQuestions for the formula).
type SimilarQuestion struct {
	ID         string  `json:"id"`
	Text       string  `json:"text"`
	Status     string  `json:"status"`
	Similarity float64 `json:"similarity"`
	Upvotes    int     `json:"upvotes"`
	Downvotes  int     `json:"downvotes"`
}

// NormalizeQuestion folds a question's text into its exact-duplicate key, the
// value stored in questions.normalized_text: two questions with the same key are
// the same question. The rules, in order:
//
//   - a few compatibility forms are folded as NFKC would (full-width ASCII,
//     the ﬀ/ﬁ/ﬂ ligatures, super- and subscript digits); accented Latin letters
//     lose their accents ("café" and the decomposed "cafe\u0301" both give "cafe");
//   - letters are lower-cased (Unicode-aware);
//   - apostrophes (' ’ ‘ ʼ ` ´) are removed without splitting the word:
//     "city's" gives "citys", "don’t" gives "dont"; invisible format characters
//     (soft hyphen, zero-width joiner) are removed the same way;
//   - a comma between digits is a thousands separator and is removed: "1,000"
//     gives "1000";
//   - every other punctuation or symbol character separates words ("ranked-choice"
//     gives "ranked choice", "30%" gives "30");
//   - runs of whitespace become one space, and the result is trimmed;
//   - the key is cut to MaxNormalizedLen characters (the column's bound), which
//     only a question full of ligatures can reach.
//
// Letters, digits and the combining marks of non-Latin scripts are kept, so
// questions in any language get a meaningful key. The function is pure and
// idempotent: NormalizeQuestion(NormalizeQuestion(s)) == NormalizeQuestion(s).
func NormalizeQuestion(text string) string {
	s := normalize(text)
	if utf8.RuneCountInString(s) <= MaxNormalizedLen {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxNormalizedLen {
			return strings.TrimRight(s[:i], " ")
		}
		n++
	}
	return s
}

// MaxNormalizedLen is the longest key NormalizeQuestion returns, in characters:
// the bound of questions.normalized_text.
const MaxNormalizedLen = 1000

func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	pendingSpace := false // a separator was seen since the last word character
	var prev rune         // the last rune written (0 at a word start)
	for i, r := range text {
		if r == utf8.RuneError {
			pendingSpace = true
			prev = 0
			continue
		}
		folded, ok := foldRune(r)
		switch {
		case ok:
			// folded holds the replacement (possibly several runes, possibly empty).
			if folded == "" {
				continue
			}
			for _, f := range folded {
				f = unicode.ToLower(f)
				if pendingSpace && b.Len() > 0 {
					b.WriteByte(' ')
				}
				pendingSpace = false
				b.WriteRune(f)
				prev = f
			}
		case isApostrophe(r) || (unicode.Is(unicode.Cf, r) && r != '\u200b'):
			// Removed without splitting the word.
		case r == ',' && unicode.IsDigit(prev) && isDigitGroup(text[i+1:]):
			// A thousands separator: "1,000" is "1000".
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r):
			for _, f := range lower(r) {
				if pendingSpace && b.Len() > 0 {
					b.WriteByte(' ')
				}
				pendingSpace = false
				b.WriteRune(f)
				prev = f
			}
		case unicode.IsMark(r):
			// Combining marks of other scripts belong to the word they follow;
			// variation selectors and marks with nothing to attach to are dropped.
			if prev != 0 && !pendingSpace && !isVariationSelector(r) {
				b.WriteRune(r)
			}
		default:
			// Whitespace, punctuation, symbols, controls: a word boundary.
			pendingSpace = true
			prev = 0
		}
	}
	return b.String()
}

// lower lower-cases one rune, expanding the few letters whose lower-case form is
// more than one rune ("İ" is "i" plus a combining dot, which is then dropped).
func lower(r rune) string {
	if r < utf8.RuneSelf {
		return string(unicode.ToLower(r))
	}
	s := strings.ToLower(string(r))
	if f, ok := foldString(s); ok {
		return f
	}
	return s
}

// foldString folds each rune of s that foldRune knows and keeps the others.
func foldString(s string) (string, bool) {
	changed := false
	var b strings.Builder
	for _, r := range s {
		if f, ok := foldRune(r); ok {
			b.WriteString(f)
			changed = true
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), changed
}

// isDigitGroup reports whether s starts with exactly three ASCII digits (the group
// after a thousands separator), so "1,000" joins but "2024,2025" and "1,2" split.
func isDigitGroup(s string) bool {
	if len(s) < 3 {
		return false
	}
	for i := range 3 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) == 3 || s[3] < '0' || s[3] > '9'
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bc', '`', '\u00b4', '\uff07', '\u2032':
		return true
	}
	return false
}

func isVariationSelector(r rune) bool {
	return r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef
}

// foldRune maps compatibility and accented characters to their plain form. ok is
// false for runes it leaves alone; an empty replacement removes the rune (the
// combining diacritics U+0300–U+036F, which decomposed accented letters carry).
func foldRune(r rune) (string, bool) {
	switch {
	case r < 0x80:
		return "", false
	case r >= 0x0300 && r <= 0x036f:
		return "", true
	case r >= 0xff01 && r <= 0xff5e && r != 0xff07:
		// Full-width ASCII: NFKC maps it to ASCII (punctuation then separates words).
		c := r - 0xfee0
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return string(c), true
		}
		return "", false
	}
	if s, ok := runeFolds[r]; ok {
		return s, true
	}
	return "", false
}

// runeFolds holds the Latin letters with diacritics (Latin-1 Supplement, Latin
// Extended-A and the Vietnamese and Romanian letters of Latin Extended-B), the
// Latin ligatures and the super/subscript digits.
var runeFolds = func() map[rune]string {
	m := map[rune]string{
		'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
		'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'ł': "l", 'Ł': "l",
		'ı': "i", 'ħ': "h", 'Ħ': "h", 'ŀ': "l", 'Ŀ': "l", 'ĳ': "ij", 'Ĳ': "ij", 'ŉ': "n",
		'ſ': "s", 'ƒ': "f", 'ơ': "o", 'Ơ': "o", 'ư': "u", 'Ư': "u",
		'ș': "s", 'Ș': "s", 'ț': "t", 'Ț': "t",
		'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "st", 'ﬆ': "st",
		'¹': "1", '²': "2", '³': "3",
	}
	m['⁰'] = "0"
	for i := range 6 {
		m[rune(0x2074+i)] = string(rune('4' + i)) // ⁴..⁹
	}
	for i := range 10 {
		m[rune(0x2080+i)] = string(rune('0' + i)) // ₀..₉
	}
	// Accented letters by base letter, in code point order of the Unicode blocks.
	groups := map[string]string{
		"a": "àáâãäåāăąǎǻạảấầẩẫậắằẳẵặ",
		"c": "çćĉċč",
		"d": "ď",
		"e": "èéêëēĕėęěẹẻẽếềểễệ",
		"g": "ĝğġģ",
		"h": "ĥ",
		"i": "ìíîïĩīĭįǐỉị",
		"j": "ĵ",
		"k": "ķĸ",
		"l": "ĺļľ",
		"n": "ñńņňŋ",
		"o": "òóôõöōŏőǒọỏốồổỗộớờởỡợ",
		"r": "ŕŗř",
		"s": "śŝşš",
		"t": "ţťŧ",
		"u": "ùúûüũūŭůűųǔǖǘǚǜụủứừửữự",
		"w": "ŵ",
		"y": "ýÿŷỳỵỷỹ",
		"z": "źżž",
	}
	for base, letters := range groups {
		for _, l := range letters {
			m[l] = base
			if u := unicode.ToUpper(l); u != l {
				m[u] = base
			}
		}
	}
	return m
}()
