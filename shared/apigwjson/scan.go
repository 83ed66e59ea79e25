package apigwjson

// The bulk of these documents is one long string: a response body, which for the
// gzip-compressed reads is kilobytes of base64. Checking it a byte at a time was
// the largest cost left in decoding and encoding a response, so the scans below
// test eight bytes at once (SWAR: "SIMD within a register", the bit tricks from
// Sean Anderson's "Bit Twiddling Hacks") and stop at the first word that holds a
// byte needing attention; the byte loops of the callers take it from there.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// below reports whether any byte of x is below n (n <= 128) or has its high bit
// set. The test is exact for the word as a whole, which is all that is needed.
func below(x uint64, n byte) uint64 { return (x - ones*uint64(n)) | x }

// has reports (in the high bits) whether any byte of x equals c.
func has(x uint64, c byte) uint64 {
	y := x ^ (ones * uint64(c))
	return (y - ones) &^ y
}

// word reads 8 bytes as one little-endian word (the compiler makes it one load).
func word[T string | []byte](w T) uint64 {
	_ = w[7]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// plainBytes returns how many leading bytes of b a JSON string reader can take as
// they are: no quote, no backslash, no control character, no non-ASCII byte (which
// needs a UTF-8 check).
func plainBytes(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := word(b[i : i+8])
		if (below(x, 0x20)|has(x, '"')|has(x, '\\'))&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			break
		}
	}
	return i
}

// safeString returns how many leading bytes of s json.Marshal copies as they are:
// printable ASCII other than the quote, the backslash and the HTML-sensitive < > &.
func safeString(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := word(s[i : i+8])
		// '"' (0x22) and '&' (0x26) differ only in bit 2, '<' (0x3c) and '>'
		// (0x3e) only in bit 1: setting that bit tests each pair at once.
		if (below(x, 0x20)|has(x|ones*4, '&')|has(x|ones*2, '>')|has(x, '\\'))&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			break
		}
	}
	return i
}
