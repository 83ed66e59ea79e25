package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// SimilarityThreshold is the lowest combined score (see similarQuestionsSQL) at
// which SimilarQuestions returns a question. It was chosen on
// testdata/similar_pairs.json (TestSimilarPairs and TestSimilarPairsRanking log
// the sweeps): there, a paraphrase finds its question in the top 3 nine times in
// ten, and fewer than one result per search is on another topic. What it cannot
// do is tell a paraphrase from a different question on the same subject ("a dog
// park on the west side" / "a skate park on the west side"): precision on the
// pairs is 0.67 (0.45 on the held-out pairs), which takes more than lexical
// matching to improve. Treat the results as "residents already asked something
// close", best first, not as "this is a duplicate".
const SimilarityThreshold = 0.25

// MaxSimilarQuestions bounds the limit a caller may ask of SimilarQuestions.
const MaxSimilarQuestions = 50

// minSimilarText is the fewest letters and digits (the normalized text without
// its spaces) worth searching for.
const minSimilarText = 3

// maxQueryTerms bounds the OR-ed terms of the full-text candidate query.
const maxQueryTerms = 120

// similarQuestionsSQL finds the closest live questions of a contest. All the
// scoring lives here.
//
// Parameters: $1 contest id, $2 the normalized text (domain.NormalizeQuestion),
// $3 the raw text, $4 an OR query for websearch_to_tsquery (the text's words and
// their thesaurus synonyms), $5/$6 the thesaurus (word, concept) pairs, $7 the
// framing words, $8 the threshold, $9 the limit.
//
// Score, in [0, 1]:
//
//	score = 0.8 * dice + 0.2 * similarity(normalized_text, $2)
//
// where similarity is pg_trgm's trigram similarity of the normalized texts, and
// dice = 2|Q ∩ R| / (|Q| + |R|) over "concept" sets: the English stems of each
// text (to_tsvector('english', ...), the same stems the full-text index holds),
// minus framing words ("would you support", "what is your plan", "city") and the
// words of the contest's city name, with each stem in the civic thesaurus replaced
// by its group's concept ("rising" and "increase" count as one concept, as do
// "police" and "officers", "restroom" and "bathroom"). Stems carry the paraphrase
// ("rent increases" / "rising rents"); trigrams add robustness to spelling
// ("homelesness") and reward near-verbatim repeats. Identical texts score 1.
//
// Candidates come from the two GIN indexes, OR-ed: the trigram index through
// normalized_text % $2 (pg_trgm's default threshold, 0.3; the session GUC is never
// SET, which would pin RDS Proxy connections) and the full-text index through
// to_tsvector('english', text) @@ websearch_to_tsquery('english', $4), where $4
// OR-s every non-framing word and its synonyms, so a question sharing any concept
// is a candidate. The explicit score >= $8 then decides.
const similarQuestionsSQL = `
WITH thesaurus AS MATERIALIZED (
	-- One object, stem -> concept: each row's stems are looked up in it rather than
	-- joined with the whole thesaurus, which per scored row cost more than the rest
	-- of the query (jsonb_object_agg keeps the last value of a repeated key, so the
	-- ORDER BY picks the same concept DISTINCT ON (lex) ... ORDER BY lex, concept did).
	SELECT coalesce(jsonb_object_agg(lex, concept ORDER BY lex, concept DESC), '{}') AS m
	FROM (SELECT (tsvector_to_array(to_tsvector('english', w)))[1] AS lex, c AS concept
	      FROM unnest($5::text[], $6::text[]) AS t(w, c)) s
	WHERE lex IS NOT NULL
),
noise AS MATERIALIZED (
	SELECT coalesce(array_agg(DISTINCT l), '{}') AS lexemes
	FROM (SELECT unnest(tsvector_to_array(to_tsvector('english', $7::text))) AS l
	      UNION ALL
	      SELECT unnest(tsvector_to_array(to_tsvector('english', ci.name)))
	      FROM contests ct JOIN cities ci ON ci.id = ct.city_id
	      WHERE ct.id = $1) x
),
query AS MATERIALIZED (
	SELECT array(SELECT DISTINCT coalesce(t.m ->> l, l)
	             FROM unnest(tsvector_to_array(to_tsvector('english', $3::text))) AS l
	             WHERE l <> ALL (n.lexemes)) AS concepts
	FROM noise n, thesaurus t
)
SELECT q.id, q.text, q.status, q.upvotes, q.downvotes, s.score
FROM questions q
CROSS JOIN query
CROSS JOIN noise n
CROSS JOIN thesaurus t
CROSS JOIN LATERAL (
	-- The row's concepts: how many there are and how many the query shares.
	SELECT count(*) AS concepts, count(*) FILTER (WHERE c = ANY (query.concepts)) AS shared
	FROM (SELECT DISTINCT coalesce(t.m ->> l, l) AS c
	      FROM unnest(tsvector_to_array(to_tsvector('english', q.text))) AS l
	      WHERE l <> ALL (n.lexemes)) x
) r
CROSS JOIN LATERAL (
	SELECT least(1.0,
	         0.8 * coalesce(2.0 * r.shared / nullif(cardinality(query.concepts) + r.concepts, 0), 0)
	       + 0.2 * similarity(q.normalized_text, $2))::float8 AS score
) s
WHERE q.contest_id = $1
  AND q.status IN ('pending', 'approved')
  AND NOT q.hidden
  AND (q.normalized_text % $2
       OR to_tsvector('english', q.text) @@ websearch_to_tsquery('english', $4))
  AND s.score >= $8
ORDER BY s.score DESC, q.upvotes - q.downvotes DESC, q.id
LIMIT $9`

// SimilarQuestions returns the live questions (pending or approved, not hidden) of
// a contest closest to text, best first (ties: the better-voted first), at most
// limit (capped at MaxSimilarQuestions), scoring at least SimilarityThreshold.
// A text with fewer than three letters or digits once normalized, or a limit
// below 1, returns an empty slice without querying. It never returns nil on
// success.
func (s *Store) SimilarQuestions(ctx context.Context, contestID, text string, limit int) ([]domain.SimilarQuestion, error) {
	return s.similarQuestions(ctx, contestID, text, limit, SimilarityThreshold)
}

// similarQuestions is SimilarQuestions at any threshold (the tuning test sweeps it).
func (s *Store) similarQuestions(ctx context.Context, contestID, text string, limit int, threshold float64) ([]domain.SimilarQuestion, error) {
	out := []domain.SimilarQuestion{}
	norm := domain.NormalizeQuestion(text)
	if utf8.RuneCountInString(strings.ReplaceAll(norm, " ", "")) < minSimilarText || limit < 1 {
		return out, nil
	}
	limit = min(limit, MaxSimilarQuestions)
	rows, err := s.r.Query(ctx, similarQuestionsSQL, contestID, norm, text, similarOrQuery(norm),
		thesaurusWords, thesaurusConcepts, framingText, threshold, limit)
	if err != nil {
		return nil, classify("similar questions", err)
	}
	var q domain.SimilarQuestion
	_, err = pgx.ForEachRow(rows, []any{&q.ID, &q.Text, &q.Status, &q.Upvotes, &q.Downvotes, &q.Similarity}, func() error {
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, classify("similar questions", err)
	}
	return out, nil
}

// similarOrQuery builds the websearch_to_tsquery input that finds every question
// sharing a word, or a thesaurus synonym of a word, with the normalized text:
// "rising or rents or increase or raise ...". Framing words are left out (they
// would match most questions); English stop words are dropped by PostgreSQL.
// The normalized text holds only letters, digits and spaces, so no word can be
// read as websearch syntax other than "or" itself, which is harmless.
func similarOrQuery(norm string) string {
	seen := map[string]bool{}
	var terms []string
	add := func(w string) {
		if !seen[w] && len(terms) < maxQueryTerms {
			seen[w] = true
			terms = append(terms, w)
		}
	}
	for _, w := range strings.Fields(norm) {
		if framingWords[w] || w == "or" {
			continue
		}
		add(w)
		if g, ok := thesaurusGroupOf(w); ok {
			for _, syn := range strings.Fields(thesaurus[g]) {
				add(syn)
			}
		}
	}
	return strings.Join(terms, " or ")
}

// thesaurusGroupOf finds the group of a word, trying a few English inflections
// the thesaurus does not list ("hikes" -> "hike", "repairing" -> "repair").
// It only widens the candidate query; the score's synonyms are matched on
// PostgreSQL's own stems.
func thesaurusGroupOf(w string) (int, bool) {
	if g, ok := thesaurusIndex[w]; ok {
		return g, true
	}
	for _, suffix := range []string{"s", "es", "ed", "d", "ing", "ly"} {
		if base, ok := strings.CutSuffix(w, suffix); ok && len(base) >= 3 {
			if g, ok := thesaurusIndex[base]; ok {
				return g, true
			}
			if g, ok := thesaurusIndex[base+"e"]; ok {
				return g, true
			}
		}
	}
	if base, ok := strings.CutSuffix(w, "ies"); ok {
		if g, ok := thesaurusIndex[base+"y"]; ok {
			return g, true
		}
	}
	return 0, false
}

// thesaurus is CivicQ's civic synonym list: each line is one concept, named by
// its first word. Words are written plainly; PostgreSQL stems them with the
// 'english' configuration at query time, so a group matches every inflection
// the stemmer folds together. Keep words unambiguous: a word with a common
// unrelated sense ("evening" stems to "even"; "stop" is also a bus stop) makes
// unrelated questions look alike. A word belongs to one group only.
var thesaurus = []string{
	"increase raise rise rising hike boost grow higher",
	"reduce cut lower decrease lessen shrink slash trim curb smaller",
	"fix repair mend patch",
	"street road roadway avenue",
	"home house housing housed dwelling apartment apartments condo multifamily",
	"rent rents rental renter tenant tenants",
	"police cop cops officer officers policing sheriff",
	"fund funding funds budget money spending spend finance financing dollars",
	"tax taxes taxation levy",
	"restroom bathroom toilet washroom",
	"fee fine fines penalty",
	"late overdue",
	"eliminate end abolish scrap halt",
	"ban prohibit outlaw forbid",
	"homeless homelessness unhoused unsheltered houseless",
	"encampment encampments camp camps camping tent tents",
	"sweep sweeping clear clearing dismantle",
	"build building construct construction erect",
	"expand extend add broaden widen enlarge",
	"safe safer safety secure security",
	"night nighttime dark",
	"child children kid kids",
	"student students pupil pupils",
	"youth teen teens teenager teenagers",
	"teacher teachers educator educators",
	"shortage understaffed lack deficit shortfall gap",
	"hire recruit staffing",
	"job jobs employment employer employers career careers",
	"wage wages salary salaries paycheck",
	"emission emissions pollution",
	"climate carbon greenhouse",
	"heat hot heatwave temperature",
	"neighborhood neighbourhood neighborhoods area areas district block community",
	"often frequent frequency frequently",
	"broken crumbling rundown deteriorating dilapidated decaying",
	"afford affordable cost costs price prices bill bills rate rates expensive cheap",
	"emergency crisis",
	"speed speeding speeder speeders",
	"car cars driver drivers vehicle vehicles motorist motorists",
	"restore reinstate reopen",
	"vote voting ballot ballots",
	"business businesses company companies firm firms",
	"attract lure",
	"require requiring mandate mandatory",
	"guarantee ensure sure",
	"protect safeguard defend shield",
	"maintain maintenance upkeep",
	"cap limit",
	"annual year yearly",
	"zone zoning rezone rezoning upzone",
	"density dense taller tall height highrise",
	"transit bus buses train trains rail metro streetcar tram",
	"gun guns firearm firearms shooting shootings shoot",
	"violence violent",
	"language languages spanish english translation translate interpreter multilingual bilingual",
	"adu adus accessory cottage cottages casita granny",
	"trash garbage waste rubbish",
	"pickup collection collect",
	"bike bikes bicycle bicycles cycling cyclist cyclists",
	"sidewalk sidewalks walkway walkways",
	"trail trails greenway greenways",
	"drug drugs narcotics opioid opioids fentanyl",
	"senior seniors elderly retiree retirees",
	"disability disabilities disabled accessible accessibility wheelchair",
	"internet broadband wifi",
	"noise noisy loud",
	"flood flooding floods stormwater",
	"grocery groceries supermarket",
	"childcare daycare preschool",
	"immigrant immigrants migrant migrants newcomer newcomers refugee refugees",
}

// framingWords frame a question to a candidate without saying what it is about;
// they count neither in the score nor in the candidate query.
var framingWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(framingText) {
		m[w] = true
	}
	return m
}()

const framingText = "would will plan plans planning support supports supporting favor oppose think " +
	"make making get getting city citys cities resident residents people citizen citizens " +
	"go going want"

// thesaurusWords and thesaurusConcepts are the thesaurus as the two parallel
// arrays the SQL takes; thesaurusIndex maps a word to its line.
var thesaurusWords, thesaurusConcepts, thesaurusIndex = func() ([]string, []string, map[string]int) {
	var words, concepts []string
	index := map[string]int{}
	for i, line := range thesaurus {
		ws := strings.Fields(line)
		for _, w := range ws {
			words = append(words, w)
			concepts = append(concepts, ws[0])
			index[w] = i
		}
	}
	return words, concepts, index
}()
