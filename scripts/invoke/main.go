// Command invoke runs one function on one JSON event, as `sam local invoke` does:
// the event is decoded by aws-lambda-go exactly as in Lambda, the function runs
// against the configured (local) services, and its response is printed on stdout.
// The function's own logs and EMF metrics go to stderr.
//
//	go run ./scripts/invoke -fn get-ballot -event events/get-ballot/200-riverton.json
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/registry"
	"github.com/civicq/civicq/shared/routes"
)

func main() {
	fn := flag.String("fn", "", "function name (one of the route table's names)")
	event := flag.String("event", "", "path to a JSON event fixture, or - for stdin")
	timeout := flag.Duration("timeout", 0, "invocation deadline (default: the function's timeout from the route table)")
	flag.Parse()
	if *fn == "" || *event == "" {
		fmt.Fprintf(os.Stderr, "usage: invoke -fn NAME -event FILE\nfunctions: %v\n", routes.Names())
		os.Exit(2)
	}
	if err := run(*fn, *event, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(name, eventPath string, timeout time.Duration) error {
	payload, err := readEvent(eventPath)
	if err != nil {
		return err
	}
	// Lambda's runtime writes logs to stdout; here stdout carries only the response,
	// so the function's logs and metrics are sent to stderr, as sam does.
	stdout := os.Stdout
	os.Stdout = os.Stderr

	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	f, err := registry.Build(name, cfg)
	if err != nil {
		return err
	}
	defer f.Close()
	if timeout == 0 {
		timeout = 30 * time.Second
		if row, ok := routes.ByName(name); ok {
			timeout = time.Duration(row.Timeout) * time.Second
		}
		for _, t := range routes.Tasks {
			if t.Name == name {
				timeout = time.Duration(t.Timeout) * time.Second
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       uuid.NewString(),
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:" + name,
	})
	start := time.Now()
	out, err := f.Handler.Invoke(ctx, payload)
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("%s returned an error after %v: %w", name, elapsed.Round(time.Microsecond), err)
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(out)
	}
	fmt.Fprintln(stdout, pretty.String())
	if body, ok := readableBody(out); ok {
		fmt.Fprintf(os.Stderr, "invoke: body, decoded (%d bytes):\n%s\n", len(body), body)
	}
	fmt.Fprintf(os.Stderr, "invoke: %s ran in %v\n", name, elapsed.Round(time.Microsecond))
	return nil
}

// readableBody undoes what a browser would for an HTTP response whose body is
// base64 (binary) and gzip-encoded, so a developer can read cached answers.
func readableBody(out []byte) (string, bool) {
	var resp events.APIGatewayV2HTTPResponse
	if json.Unmarshal(out, &resp) != nil || !resp.IsBase64Encoded {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		return "", false
	}
	if strings.EqualFold(resp.Headers["Content-Encoding"], "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return "", false
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return "", false
		}
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") != nil {
		return string(raw), true
	}
	return pretty.String(), true
}

func readEvent(path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s is not valid JSON", path)
	}
	return b, nil
}
