package localdev

import (
	"os"
	"runtime/debug"

	"github.com/civicq/civicq/shared/routes"
)

// UseFunctionGC gives this process the collector target the functions have in
// Lambda (routes.GOGC), since the local stack hosts them all in one process and
// their per-request costs here should be the ones they have there. A GOGC set in
// the environment wins (to measure with another). GOMEMLIMIT is left alone: in
// Lambda it is per function, and this process holds all of them.
func UseFunctionGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(routes.GOGC)
	}
}
