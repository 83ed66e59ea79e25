package localaws

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Invoker is a Lambda handler as the runtime calls it: JSON in, JSON out
// (lambda.Handler, e.g. from lambda.NewHandler or shared/registry).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Worker is the local SQS event source mapping: it polls a queue, invokes the
// function with batches of one SQS event record, and deletes the records the
// function did not report in BatchItemFailures (ReportBatchItemFailures). A
// failed invocation (an error, or no valid response) leaves the whole batch to
// come back after the visibility timeout, as Lambda does.
type Worker struct {
	Queue    *Queue
	Function Invoker
	Consumer string
	// Timeout is the function's timeout: each invocation's context ends then.
	Timeout time.Duration
	// Wait is the long-poll wait of a receive.
	Wait time.Duration
	Log  *slog.Logger
}

// Run polls until ctx ends. Queue errors (Redis down) are logged and retried
// with a growing pause; the worker never stops on them.
func (w *Worker) Run(ctx context.Context) {
	pause := 200 * time.Millisecond
	for ctx.Err() == nil {
		_, err := w.Step(ctx)
		if err == nil {
			pause = 200 * time.Millisecond
			continue
		}
		if ctx.Err() != nil {
			return
		}
		w.log().WarnContext(ctx, "localaws: queue poll failed", "queue", w.Queue.Name, "error", err.Error(), "retry_in", pause.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

// Step receives at most one message and, if there was one, invokes the
// function with it. It reports whether a message was handled.
func (w *Worker) Step(ctx context.Context) (bool, error) {
	consumer := w.Consumer
	if consumer == "" {
		consumer = "worker"
	}
	m, err := w.Queue.Receive(ctx, consumer, w.Wait)
	if err != nil || m == nil {
		return false, err
	}
	rec := w.Queue.SQS(m, time.Now())
	payload, err := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{rec}})
	if err != nil {
		return true, err
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	out, err := w.Function.Invoke(ictx, payload)
	cancel()
	if err != nil {
		w.log().ErrorContext(ctx, "localaws: function failed: the batch comes back after the visibility timeout",
			"message", m.ID, "receive", m.ReceiveCount, "error", err.Error())
		return true, nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		w.log().ErrorContext(ctx, "localaws: function answered no SQSEventResponse: the batch comes back", "message", m.ID)
		return true, nil
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == m.ID {
			w.log().InfoContext(ctx, "localaws: message failed: it comes back after the visibility timeout",
				"message", m.ID, "receive", m.ReceiveCount, "max_receives", w.Queue.MaxReceives)
			return true, nil
		}
	}
	if err := w.Queue.Delete(ctx, m); err != nil {
		return true, fmt.Errorf("delete %s: %w", m.ID, err)
	}
	return true, nil
}
