package media

// Rung is one rendition of the HLS ladder. Height is the rendition's short
// side (the height of a landscape video, the width of a portrait one).
type Rung struct {
	Name      string
	Height    int
	VideoKbps int
}

// Ladder is the full ladder, highest first.
var Ladder = []Rung{
	{Name: "1080p", Height: 1080, VideoKbps: 5000},
	{Name: "720p", Height: 720, VideoKbps: 2800},
	{Name: "480p", Height: 480, VideoKbps: 1400},
	{Name: "360p", Height: 360, VideoKbps: 800},
}

// minRungSource is the smallest source (short side) that still gets the
// lowest rung, upscaled; it matches DefaultLimits' 240.
const minRungSource = 240

// RungsFor returns the rungs at or below sourceHeight (the source's short
// side), highest first. A source between 240 and the lowest rung gets the
// lowest rung alone, so every accepted video has at least one rendition;
// below 240 it gets none.
func RungsFor(sourceHeight int) []Rung {
	var out []Rung
	for _, r := range Ladder {
		if r.Height <= sourceHeight {
			out = append(out, r)
		}
	}
	if len(out) == 0 && sourceHeight >= minRungSource {
		out = append(out, Ladder[len(Ladder)-1])
	}
	return out
}

// rungSize is the output size for a rung: the short side becomes r.Height and
// the long side keeps the aspect ratio, rounded to an even number (x264 with
// 4:2:0 needs even sizes).
func rungSize(srcW, srcH int, r Rung) (w, h int) {
	even := func(x float64) int { return int(x/2+0.5) * 2 }
	if srcW >= srcH {
		return even(float64(srcW) * float64(r.Height) / float64(srcH)), r.Height
	}
	return r.Height, even(float64(srcH) * float64(r.Height) / float64(srcW))
}
