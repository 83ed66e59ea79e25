package perf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
)

// RIEVersion is the AWS Lambda Runtime Interface Emulator the tools run.
const RIEVersion = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// EnsureRIE returns the path of aws-lambda-rie in <root>/.local/bin, installing it
// there with `go install` (through the Go module proxy) when it is missing.
func EnsureRIE(ctx context.Context, root string) (string, error) {
	bin := filepath.Join(root, ".local", "bin")
	path := filepath.Join(bin, "aws-lambda-rie")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "install", RIEVersion)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOOS=", "GOARCH=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %v\n%s", RIEVersion, err, out)
	}
	return path, nil
}

// Build builds the named functions exactly as `make build` does (CGO off,
// -tags lambda.norpc, -trimpath, -ldflags "-s -w") for goos/goarch, each as
// <out>/<name>/bootstrap, in one go command so the linker runs in parallel.
// goarch "" means this machine's architecture: the one the emulator can run.
func Build(ctx context.Context, root, out, goarch string, names []string) error {
	if goarch == "" {
		goarch = goruntime.GOARCH
	}
	tmp := filepath.Join(out, ".bin")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", tmp + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build (linux/%s): %v\n%s", goarch, err, out)
	}
	for _, n := range names {
		dir := filepath.Join(out, n)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(tmp, n), filepath.Join(dir, "bootstrap")); err != nil {
			return err
		}
	}
	return nil
}

// FileSize is the size of path in bytes, or 0 when it does not exist.
func FileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
