package routes

import "strconv"

// GOGC is the Go garbage collector's target for every function: the stack sets it
// in each function's environment, and the local stack, which hosts the functions
// in one process, sets the same for that process.
//
// Why not Go's default of 100: a route's live heap is a few megabytes, so at 100
// the collector ran every few hundred requests and took a third of a warm cached
// read's CPU (BenchmarkGatewayBallotWarm: 60-66 µs of CPU per request at 100, 37-39
// at 400, no better at 800). Lambda bills the configured memory, not the heap, so
// the headroom costs nothing; MemoryLimit keeps the heap inside it.
const GOGC = 400

// MemoryLimit is GOMEMLIMIT for a function of memoryMB: four fifths of it, leaving
// the rest to the runtime's own memory and the binary. Near the limit the collector
// runs as often as it must, whatever GOGC says, so a larger heap than expected
// costs CPU rather than an out-of-memory kill.
func MemoryLimit(memoryMB int) string { return strconv.Itoa(memoryMB*4/5) + "MiB" }

// GCEnv is the environment that applies GOGC and MemoryLimit to a function.
func GCEnv(memoryMB int) map[string]string {
	return map[string]string{"GOGC": strconv.Itoa(GOGC), "GOMEMLIMIT": MemoryLimit(memoryMB)}
}
