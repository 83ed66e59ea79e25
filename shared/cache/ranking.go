package cache

// Ranked lists: one Redis sorted set per (contest, sort), members question ids,
// scores from domain.Scores.
//
// Postgres is the source of truth and these sets are derived: Redis may lose them
// at any time, and an update may fail to reach Redis. They stay exact anyway:
//
//   - Every question carries a seq that the store increments with every change to
//     its ranking state (votes, approval, hiding), in the same transaction. An update
//     applies only when its seq is greater than the one Redis holds for the
//     question, so updates that arrive out of order change nothing.
//   - The sets are trusted only while a ready marker exists. Without it, RankPage
//     rebuilds the contest from Postgres (RebuildFunc) under the same seq guard, so
//     a vote that commits during the rebuild is never overwritten by it. The marker
//     expires every rankReadyTTL: the periodic rebuild is the backstop for updates
//     that never arrived.
//   - An update that fails marks the contest dirty in this environment, and the next
//     successful call for that contest invalidates it first (forcing a rebuild that
//     starts after the lost update committed).
//
// Keys of a contest share the hash tag {<contest>}, so they live in one cluster slot
// and every script may touch all of them (ElastiCache in cluster mode):
//
//	<prefix>rank:{<contest>}:top, :new, :hot, :controversial   sorted sets
//	<prefix>rank:{<contest>}:seq    hash: question id -> seq, plus ~gen, ~inv, ~built
//	<prefix>rank:{<contest>}:touch  hash: question id -> ~gen when last updated
//	<prefix>rank:{<contest>}:seen   hash: question id -> ~gen of the last rebuild listing it
//	<prefix>rank:{<contest>}:ready  the ready marker (TTL rankReadyTTL)
//	<prefix>rank:{<contest>}:lock   held by the one environment rebuilding (TTL rankLockTTL)
//
// The sets and hashes live rankStateTTL, refreshed on every update, so they always
// outlive the marker. The prefix must not contain '{'.

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/metrics"
)

const (
	// rankReadyTTL is how long a rebuilt contest is trusted before the next rebuild.
	rankReadyTTL = 10 * time.Minute
	// rankStateTTL is how long the sets and seq hashes live after the last update.
	rankStateTTL = 48 * time.Hour
	// rankLockTTL bounds a rebuild: while one environment rebuilds a contest, the
	// others serve the existing sets (or fall back to Postgres when there are none)
	// instead of all reading the whole contest from Postgres at once.
	rankLockTTL = 5 * time.Second
	// rankRebuildChunk is how many questions one rebuild script applies: Redis runs
	// one script at a time, so a 10,000-question contest in one script would stall
	// every other client for about 80 ms.
	rankRebuildChunk = 500
	// maxRankLimit bounds one page (the handler's bound is lower).
	maxRankLimit = 1000
)

// ErrRankUnavailable means the ranked lists cannot be read from Redis right now
// (Redis down, the breaker open, no cache configured, or a first rebuild in progress
// elsewhere): serve the page from Postgres.
var ErrRankUnavailable = errors.New("cache: ranked lists unavailable")

// ErrBadCursor means a page cursor is malformed or was issued for another sort: a
// client mistake (400).
var ErrBadCursor = errors.New("cache: bad page cursor")

// RankItem is one question's state for the ranked lists.
type RankItem struct {
	QuestionID string
	// Seq orders the states of one question: a RankItem applies only over an older one.
	Seq    int64
	Scores domain.SortScores
}

// NewRankItem scores a question for the ranked lists.
func NewRankItem(questionID string, seq int64, in domain.RankInput) RankItem {
	return RankItem{QuestionID: questionID, Seq: seq, Scores: domain.Scores(in)}
}

// RebuildFunc loads every listed question of a contest (approved, not hidden) from
// Postgres, each with its current seq. It must read the primary, not a replica that
// may lag: the rebuild takes off the lists every question it does not return (unless
// updated since the rebuild began).
type RebuildFunc func(ctx context.Context) ([]RankItem, error)

// RankedID is one entry of a page: a question id and its score under the page's sort.
type RankedID struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// Page is one page of a ranked list.
type Page struct {
	Items []RankedID
	// Next is the cursor of the following page, "" on the last one.
	Next string
	// Total is the number of questions in the list.
	Total int64
	// Stale is true when the list was served while another environment rebuilds it
	// (it is complete, but may miss updates that were lost on their way to Redis).
	Stale bool
}

type rankKeys struct {
	seq, touch, seen, ready, lock string
	sets                          [4]string // in the order of domain.Sorts
}

func (c *Cache) rankKeys(contestID string) rankKeys {
	base := c.prefix + "rank:{" + contestID + "}:"
	k := rankKeys{seq: base + "seq", touch: base + "touch", seen: base + "seen", ready: base + "ready", lock: base + "lock"}
	for i, s := range domain.Sorts {
		k.sets[i] = base + string(s)
	}
	return k
}

func (k rankKeys) set(s domain.Sort) string {
	for i, x := range domain.Sorts {
		if x == s {
			return k.sets[i]
		}
	}
	panic("cache: unknown sort " + string(s))
}

func checkRankContest(contestID string) error {
	if contestID == "" || len(contestID) > 128 || strings.ContainsAny(contestID, "{}") {
		return fmt.Errorf("cache: invalid contest id %q", contestID)
	}
	return nil
}

func rankMillis(d time.Duration) int64 { return d.Milliseconds() }

// Dirty contests: contests of which an update failed to reach Redis in this
// environment (Cache.rankDirty). Each mark is a new token, so a failure that happens
// while another call is invalidating the contest is not lost when that call clears
// the mark.
var rankDirtyNext atomic.Uint64

func (c *Cache) markRankDirty(contestID string) {
	c.rankDirty.Store(contestID, rankDirtyNext.Add(1))
}

func (c *Cache) rankDirtyToken(contestID string) (any, bool) {
	return c.rankDirty.Load(contestID)
}

func (c *Cache) clearRankDirty(contestID string, token any) {
	c.rankDirty.CompareAndDelete(contestID, token)
}

// rankLuaCommon is shared by the scripts.
//
// invalidate makes the contest untrusted: it deletes the ready marker and the
// rebuild lock, and records in ~inv the generation at which that happened. A
// rebuild that began before (a smaller generation) may have read Postgres before
// the change that caused the invalidation, so it may not set the marker.
//
// less compares bytes, as Redis orders members with equal scores (Lua's < on
// strings follows the server's locale).
const rankLuaCommon = `
local function keepalive(key, ttl)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ttl) end
end
local function invalidate(seqk, readyk, lockk, ttl)
  local g = redis.call('HINCRBY', seqk, '~gen', 1)
  redis.call('HSET', seqk, '~inv', g)
  keepalive(seqk, ttl)
  redis.call('DEL', readyk, lockk)
end
local function less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
`

// rankApply applies question states to the four sets, each only over an older seq.
//
// KEYS: 1 seq, 2 touch, 3 seen, 4 ready, 5 lock, 6..9 the sets (top, new, hot,
// controversial)
// ARGV: 1 mode ('set', 'part' or 'rebuild'), 2 '1' to invalidate first, 3 the
// rebuild's generation, 4 state TTL (ms), 5 ready TTL (ms), then 7 per item:
// op ('s' set, 'r' remove), id, seq, top, new, hot, controversial.
//
// Every applied item records the current generation in touch. A rebuild sends the
// state of every listed question, read from Postgres after its generation began, in
// chunks ('part'), the last one as 'rebuild' (so no one script blocks Redis for
// long). Each item of a rebuild:
//   - is recorded in seen with the rebuild's generation;
//   - also applies when its seq equals the stored one, unless the question was
//     touched since the rebuild began: this restores members the sets lost.
//
// The last chunk then removes every member neither seen by this rebuild nor touched
// since it began (a question approved after the rebuild read Postgres is touched,
// so it stays), and sets the ready marker unless the contest was invalidated since
// the rebuild began.
//
// Scores go to ZADD as the strings Go formatted: Lua numbers would lose precision.
var rankApply = redis.NewScript(rankLuaCommon + `
local seqk, touchk, seenk, readyk, lockk = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local mode = ARGV[1]
local rebuild = mode ~= 'set'
if ARGV[2] == '1' then invalidate(seqk, readyk, lockk, ARGV[4]) end
local gen = redis.call('HGET', seqk, '~gen') or '0'
local rgen = tonumber(ARGV[3])
local function since(h, id)
  local g = redis.call('HGET', h, id)
  return g and tonumber(g) >= rgen
end
local applied = 0
for i = 6, #ARGV, 7 do
  local op, id, seq = ARGV[i], ARGV[i+1], tonumber(ARGV[i+2])
  local cur = redis.call('HGET', seqk, id)
  local ok = (not cur) or seq > tonumber(cur)
  if rebuild then
    if not since(seenk, id) then redis.call('HSET', seenk, id, ARGV[3]) end
    if not ok and seq == tonumber(cur) then ok = not since(touchk, id) end
  end
  if ok then
    redis.call('HSET', seqk, id, ARGV[i+2])
    redis.call('HSET', touchk, id, gen)
    for j = 1, 4 do
      if op == 's' then
        redis.call('ZADD', KEYS[5+j], ARGV[i+2+j], id)
      else
        redis.call('ZREM', KEYS[5+j], id)
      end
    end
    applied = applied + 1
  end
end
if mode == 'rebuild' then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
    if not since(seenk, m) and not since(touchk, m) then
      for j = 1, 4 do redis.call('ZREM', KEYS[5+j], m) end
    end
  end
  redis.call('HSET', seqk, '~built', '1')
  if tonumber(redis.call('HGET', seqk, '~inv') or '0') < rgen then
    redis.call('SET', readyk, '1', 'PX', ARGV[5])
  end
  redis.call('DEL', lockk)
end
for _, k in ipairs({seqk, touchk, seenk, KEYS[6], KEYS[7], KEYS[8], KEYS[9]}) do
  redis.call('PEXPIRE', k, ARGV[4])
end
return applied
`)

// rankRead reads one page of one set.
//
// KEYS: 1 seq, 2 ready, 3 lock, 4 the sort's set
// ARGV: 1 mode ('read', 'drop' to invalidate first, 'force' right after a rebuild),
// 2 cursor score (empty on the first page), 3 cursor member, 4 limit, 5 lock TTL (ms),
// 6 state TTL (ms)
//
// Returns {0, total, start, items} (ready), {1, total, start, items} (not ready,
// served while another environment rebuilds), {2, generation} (not ready, the lock
// is ours: rebuild) or {3} (not ready, nothing built yet, another environment is
// rebuilding).
//
// The page starts after the cursor's (score, member) in the set's order (score
// descending, then member descending): the members with the cursor's score occupy
// ranks [above, above+ties), sorted by member, so a binary search finds the first
// one below the cursor's member in O(log² n), whether or not that member is still
// in the set or still has that score.
var rankRead = redis.NewScript(rankLuaCommon + `
local seqk, readyk, lockk, setk = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local mode = ARGV[1]
local status = 0
if mode == 'drop' then invalidate(seqk, readyk, lockk, ARGV[6]) end
if mode ~= 'force' then
  local built = redis.call('HEXISTS', seqk, '~built') == 1
  if not (built and redis.call('EXISTS', readyk) == 1) then
    if redis.call('SET', lockk, '1', 'NX', 'PX', ARGV[5]) then
      local g = redis.call('HINCRBY', seqk, '~gen', 1)
      keepalive(seqk, ARGV[6])
      return {2, g}
    end
    if not built then return {3} end
    status = 1
  end
end
local start = 0
if ARGV[2] ~= '' then
  local score, member = ARGV[2], ARGV[3]
  local lo = redis.call('ZCOUNT', setk, '(' .. score, '+inf')
  local hi = lo + redis.call('ZCOUNT', setk, score, score)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if less(redis.call('ZRANGE', setk, mid, mid, 'REV')[1], member) then
      hi = mid
    else
      lo = mid + 1
    end
  end
  start = lo
end
local total = redis.call('ZCARD', setk)
local items = redis.call('ZRANGE', setk, start, start + tonumber(ARGV[4]) - 1, 'REV', 'WITHSCORES')
return {status, total, start, items}
`)

// rankInvalidate: KEYS 1 seq, 2 ready, 3 lock; ARGV 1 state TTL (ms).
var rankInvalidate = redis.NewScript(rankLuaCommon + `
invalidate(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return 1
`)

func formatRankScore(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func appendRankItem(args []any, op string, it RankItem) ([]any, error) {
	if it.QuestionID == "" || len(it.QuestionID) > 128 {
		return nil, fmt.Errorf("cache: invalid question id %q", it.QuestionID)
	}
	s := [4]float64{it.Scores.Top, it.Scores.New, it.Scores.Hot, it.Scores.Controversial}
	for _, f := range s {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("cache: question %s has a non-finite score", it.QuestionID)
		}
	}
	return append(args, op, it.QuestionID, strconv.FormatInt(it.Seq, 10),
		formatRankScore(s[0]), formatRankScore(s[1]), formatRankScore(s[2]), formatRankScore(s[3])), nil
}

func (k rankKeys) applyKeys() []string {
	return []string{k.seq, k.touch, k.seen, k.ready, k.lock, k.sets[0], k.sets[1], k.sets[2], k.sets[3]}
}

func rankUnavailable(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrRankUnavailable, op, err)
}

// rankApplyItems runs rankApply for ordinary updates, invalidating first when the contest
// is dirty. A failure marks the contest dirty.
func (c *Cache) rankApplyItems(ctx context.Context, op, contestID string, args []any) error {
	if !c.available() {
		c.markRankDirty(contestID)
		return rankUnavailable(op, ErrSkipped)
	}
	token, dirty := c.rankDirtyToken(contestID)
	drop := "0"
	if dirty {
		drop = "1"
	}
	args[1] = drop
	if err := rankApply.Run(ctx, c.rdb, c.rankKeys(contestID).applyKeys(), args...).Err(); err != nil {
		c.markRankDirty(contestID)
		c.fail(ctx, op, err)
		return rankUnavailable(op, err)
	}
	if dirty {
		c.clearRankDirty(contestID, token)
	}
	return nil
}

func rankApplyArgs(mode string, gen int64, n int) []any {
	args := make([]any, 5, 5+7*n)
	args[0], args[1], args[2], args[3], args[4] = mode, "0", gen, rankMillis(rankStateTTL), rankMillis(rankReadyTTL)
	return args
}

// RankSet applies question states to a contest's ranked lists, each only if its
// seq is greater than the one Redis holds for the question, atomically and in one
// round trip. Call it after the transaction that changed the questions commits.
//
// A Redis failure returns an error wrapping ErrRankUnavailable, for the log: the
// write that called RankSet has succeeded and must not fail. The contest is then
// rebuilt from Postgres at its next successful use in this environment, or within
// rankReadyTTL in any. A nil Cache does nothing.
func (c *Cache) RankSet(ctx context.Context, contestID string, items []RankItem) error {
	if c == nil || len(items) == 0 {
		return nil
	}
	if err := checkRankContest(contestID); err != nil {
		return err
	}
	args := rankApplyArgs("set", 0, len(items))
	var err error
	for _, it := range items {
		if args, err = appendRankItem(args, "s", it); err != nil {
			return err
		}
	}
	return c.rankApplyItems(ctx, "rank set", contestID, args)
}

// RankRemove takes a question off a contest's ranked lists (rejected, hidden,
// merged), guarded like RankSet: seq must be the question's seq after the change
// (the store increments it), and an older RankSet arriving later cannot re-add it.
func (c *Cache) RankRemove(ctx context.Context, contestID, questionID string, seq int64) error {
	if c == nil {
		return nil
	}
	if err := checkRankContest(contestID); err != nil {
		return err
	}
	args, err := appendRankItem(rankApplyArgs("set", 0, 1), "r", RankItem{QuestionID: questionID, Seq: seq})
	if err != nil {
		return err
	}
	return c.rankApplyItems(ctx, "rank remove", contestID, args)
}

// RankInvalidate makes the next RankPage of the contest rebuild it from Postgres
// (moderation calls it). When Redis is unreachable the contest is marked dirty, so
// the invalidation happens at its next successful use.
func (c *Cache) RankInvalidate(ctx context.Context, contestID string) error {
	if c == nil {
		return nil
	}
	if err := checkRankContest(contestID); err != nil {
		return err
	}
	if !c.available() {
		c.markRankDirty(contestID)
		return rankUnavailable("rank invalidate", ErrSkipped)
	}
	token, dirty := c.rankDirtyToken(contestID)
	k := c.rankKeys(contestID)
	if err := rankInvalidate.Run(ctx, c.rdb, []string{k.seq, k.ready, k.lock}, rankMillis(rankStateTTL)).Err(); err != nil {
		c.markRankDirty(contestID)
		c.fail(ctx, "rank invalidate", err)
		return rankUnavailable("rank invalidate", err)
	}
	if dirty {
		c.clearRankDirty(contestID, token)
	}
	return nil
}

// RankPage returns one page of a contest's questions in the given sort: score
// descending, ties by question id descending, limit items after the cursor ("" for
// the first page). The caller bounds limit (1..100).
//
// The cursor is a keyset position (the last item's score and id), so votes that move
// other questions never make a page repeat or skip an item that did not move itself,
// as offsets would.
//
// When the contest is not ready (first use, marker expired, invalidated) it is
// rebuilt with rebuild, under the seq guard, before the page is read; meanwhile other
// environments serve the previous lists (Page.Stale). Errors: ErrBadCursor for a
// malformed cursor or one of another sort; an error wrapping ErrRankUnavailable when
// Redis cannot serve the page (serve it from Postgres); rebuild's own errors.
func (c *Cache) RankPage(ctx context.Context, contestID string, sort domain.Sort, cursor string, limit int, rebuild RebuildFunc) (Page, error) {
	if !sort.Valid() {
		return Page{}, fmt.Errorf("cache: unknown sort %q", sort)
	}
	if limit < 1 || limit > maxRankLimit {
		return Page{}, fmt.Errorf("cache: page limit %d out of range", limit)
	}
	if err := checkRankContest(contestID); err != nil {
		return Page{}, err
	}
	after, member, resume, err := decodeRankCursor(cursor, sort)
	if err != nil {
		return Page{}, err
	}
	score := ""
	if resume {
		score = formatRankScore(after)
	}
	if c == nil {
		return Page{}, rankUnavailable("rank page", errors.New("no cache configured"))
	}
	if !c.available() {
		return Page{}, rankUnavailable("rank page", ErrSkipped)
	}
	m := metrics.FromContext(ctx)
	k := c.rankKeys(contestID)
	readKeys := []string{k.seq, k.ready, k.lock, k.set(sort)}
	read := func(mode string) ([]any, error) {
		res, err := rankRead.Run(ctx, c.rdb, readKeys, mode, score, member, limit, rankMillis(rankLockTTL), rankMillis(rankStateTTL)).Slice()
		if err != nil {
			c.fail(ctx, "rank page", err)
			return nil, rankUnavailable("rank page", err)
		}
		return res, nil
	}

	mode := "read"
	token, dirty := c.rankDirtyToken(contestID)
	if dirty {
		mode = "drop"
	}
	res, err := read(mode)
	if err != nil {
		return Page{}, err
	}
	if dirty {
		c.clearRankDirty(contestID, token)
	}
	switch rankStatus(res) {
	case 0, 1:
		m.CacheHit()
		return parseRankPage(res, sort, limit)
	case 3:
		m.CacheMiss()
		return Page{}, rankUnavailable("rank page", errors.New("contest being rebuilt elsewhere"))
	case 2:
	default:
		return Page{}, fmt.Errorf("cache: unexpected rank page reply %v", res)
	}

	// Ours to rebuild.
	m.CacheMiss()
	gen, _ := res[1].(int64)
	items, err := rebuild(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("cache: rebuild ranked lists: %w", err)
	}
	for first := 0; ; first += rankRebuildChunk {
		chunk := items[first:min(first+rankRebuildChunk, len(items))]
		mode := "part"
		if first+rankRebuildChunk >= len(items) {
			mode = "rebuild"
		}
		args := rankApplyArgs(mode, gen, len(chunk))
		for _, it := range chunk {
			if args, err = appendRankItem(args, "s", it); err != nil {
				return Page{}, err
			}
		}
		if err := rankApply.Run(ctx, c.rdb, k.applyKeys(), args...).Err(); err != nil {
			c.fail(ctx, "rank rebuild", err)
			return Page{}, rankUnavailable("rank rebuild", err)
		}
		if mode == "rebuild" {
			break
		}
	}
	if res, err = read("force"); err != nil {
		return Page{}, err
	}
	return parseRankPage(res, sort, limit)
}

func rankStatus(res []any) int64 {
	if len(res) == 0 {
		return -1
	}
	s, ok := res[0].(int64)
	if !ok {
		return -1
	}
	return s
}

func parseRankPage(res []any, sort domain.Sort, limit int) (Page, error) {
	bad := func() (Page, error) { return Page{}, fmt.Errorf("cache: unexpected rank page reply %v", res) }
	if len(res) != 4 {
		return bad()
	}
	total, ok1 := res[1].(int64)
	start, ok2 := res[2].(int64)
	flat, ok3 := res[3].([]any)
	if !ok1 || !ok2 || !ok3 || len(flat)%2 != 0 {
		return bad()
	}
	p := Page{Total: total, Stale: res[0] == int64(1), Items: make([]RankedID, 0, len(flat)/2)}
	for i := 0; i < len(flat); i += 2 {
		id, ok := flat[i].(string)
		s, ok2 := flat[i+1].(string)
		if !ok || !ok2 {
			return bad()
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad()
		}
		p.Items = append(p.Items, RankedID{ID: id, Score: f})
	}
	if n := len(p.Items); n == limit && start+int64(n) < total {
		last := p.Items[n-1]
		p.Next = encodeRankCursor(sort, last.Score, last.ID)
	}
	return p, nil
}

// Cursors are base64url (unpadded) of "1|<sort>|<score>|<question id>". The score
// is formatted exactly (shortest round-trip form), so the position is exact.
const rankCursorVersion = "1"

// maxRankCursorLen bounds what is decoded (a real cursor is under 100 characters).
const maxRankCursorLen = 256

func encodeRankCursor(sort domain.Sort, score float64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(rankCursorVersion + "|" + string(sort) + "|" + formatRankScore(score) + "|" + id))
}

// decodeRankCursor returns the position a cursor holds; resume is false for "" (the
// first page).
func decodeRankCursor(cursor string, sort domain.Sort) (score float64, member string, resume bool, err error) {
	if cursor == "" {
		return 0, "", false, nil
	}
	bad := func(why string) (float64, string, bool, error) {
		return 0, "", false, fmt.Errorf("%w: %s", ErrBadCursor, why)
	}
	if len(cursor) > maxRankCursorLen {
		return bad("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return bad("not base64url")
	}
	parts := strings.SplitN(string(b), "|", 4)
	if len(parts) != 4 || parts[0] != rankCursorVersion {
		return bad("malformed")
	}
	if parts[1] != string(sort) {
		return bad(fmt.Sprintf("issued for sort %q, not %q", parts[1], sort))
	}
	f, err := strconv.ParseFloat(parts[2], 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return bad("malformed score")
	}
	if parts[3] == "" || len(parts[3]) > 128 {
		return bad("malformed id")
	}
	return f, parts[3], true, nil
}

// compareRanked orders a ranked list as the sorted sets do: score descending, then
// id descending, bytewise.
func compareRanked(a, b RankedID) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// PageOf is RankPage over a list ranked in memory, for serving from Postgres when
// Redis is unavailable: the same order, the same cursors (a cursor from one works
// with the other) and the same errors for a bad cursor. ranked is not modified.
func PageOf(sort domain.Sort, ranked []RankedID, cursor string, limit int) (Page, error) {
	if !sort.Valid() {
		return Page{}, fmt.Errorf("cache: unknown sort %q", sort)
	}
	if limit < 1 || limit > maxRankLimit {
		return Page{}, fmt.Errorf("cache: page limit %d out of range", limit)
	}
	after, member, resume, err := decodeRankCursor(cursor, sort)
	if err != nil {
		return Page{}, err
	}
	items := slices.Clone(ranked)
	slices.SortFunc(items, compareRanked)
	start := 0
	if resume {
		start, _ = slices.BinarySearchFunc(items, RankedID{ID: member, Score: after}, compareRanked)
		if start < len(items) && compareRanked(items[start], RankedID{ID: member, Score: after}) == 0 {
			start++ // the cursor's own item was on the previous page
		}
	}
	end := min(start+limit, len(items))
	p := Page{Items: items[start:end:end], Total: int64(len(items))}
	if end-start == limit && end < len(items) {
		last := items[end-1]
		p.Next = encodeRankCursor(sort, last.Score, last.ID)
	}
	return p, nil
}
