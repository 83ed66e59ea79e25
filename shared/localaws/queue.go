package localaws

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"
)

// Queue is a queue with the semantics of SQS a Lambda event source relies on,
// on a Redis stream and one consumer group:
//
//   - Receive hands a message to one consumer (XREADGROUP) and hides it from
//     the others until the visibility timeout has passed since it was handed
//     out (a pending entry is only reclaimed, with XAUTOCLAIM, once it has been
//     idle that long);
//   - every hand-out counts as a receive (the entry's delivery count, read with
//     XPENDING), given to the consumer as ApproximateReceiveCount;
//   - Delete acknowledges and removes it (XACK, XDEL);
//   - a message received MaxReceives times and still not deleted is moved to
//     the dead-letter stream instead of being handed out again, as SQS moves it
//     to the DLQ of a redrive policy with that maxReceiveCount.
type Queue struct {
	rdb         redis.UniversalClient
	Name        string
	stream, dlq string
	group       string
	Visibility  time.Duration
	MaxReceives int
	Region      string
	groupOnce   sync.Mutex
	groupReady  bool
}

// QueueOptions configure a queue.
type QueueOptions struct {
	Prefix      string        // Redis key prefix ("cq:local:")
	Visibility  time.Duration // default 30 s
	MaxReceives int           // default 3
	Region      string
}

// NewQueue returns the queue called name.
func NewQueue(rdb redis.UniversalClient, name string, o QueueOptions) *Queue {
	if o.Visibility <= 0 {
		o.Visibility = 30 * time.Second
	}
	if o.MaxReceives <= 0 {
		o.MaxReceives = 3
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	return &Queue{rdb: rdb, Name: name, stream: o.Prefix + "queue:" + name, dlq: o.Prefix + "queue:" + name + "-dlq",
		group: "consumers", Visibility: o.Visibility, MaxReceives: o.MaxReceives, Region: o.Region}
}

// ARN names the queue in the events it delivers.
func (q *Queue) ARN() string { return "arn:aws:sqs:" + q.Region + ":000000000000:" + q.Name }

func (q *Queue) ensureGroup(ctx context.Context) error {
	q.groupOnce.Lock()
	defer q.groupOnce.Unlock()
	if q.groupReady {
		return nil
	}
	err := q.rdb.XGroupCreateMkStream(ctx, q.stream, q.group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("localaws: queue %s: %w", q.Name, err)
	}
	q.groupReady = true
	return nil
}

// Send adds a message; it returns its id.
func (q *Queue) Send(ctx context.Context, body []byte) (string, error) {
	if err := q.ensureGroup(ctx); err != nil {
		return "", err
	}
	id, err := q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.stream, Values: []any{"body", string(body)}}).Result()
	if err != nil {
		return "", fmt.Errorf("localaws: queue %s: send: %w", q.Name, err)
	}
	return id, nil
}

// Message is a received message.
type Message struct {
	ID           string // the stream entry id: the message id
	Body         string
	ReceiveCount int
	SentAt       time.Time
}

// Receive hands out one message to consumer: first one whose visibility
// timeout has run out (a receive that was never deleted), else a new one,
// waiting up to wait for it. It returns nil when there is none.
func (q *Queue) Receive(ctx context.Context, consumer string, wait time.Duration) (*Message, error) {
	if err := q.ensureGroup(ctx); err != nil {
		return nil, err
	}
	for {
		msgs, _, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: q.stream, Group: q.group, Consumer: consumer,
			MinIdle: q.Visibility, Start: "0-0", Count: 1}).Result()
		if err != nil {
			q.lostGroup(err)
			return nil, fmt.Errorf("localaws: queue %s: reclaim: %w", q.Name, err)
		}
		if len(msgs) == 0 {
			break
		}
		m, err := q.delivered(ctx, msgs[0])
		if err != nil || m != nil {
			return m, err
		}
		// dead-lettered: look again
	}
	block := wait
	if block <= 0 {
		block = -1 // no BLOCK argument: return at once
	}
	streams, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: q.group, Consumer: consumer,
		Streams: []string{q.stream, ">"}, Count: 1, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		q.lostGroup(err)
		return nil, fmt.Errorf("localaws: queue %s: receive: %w", q.Name, err)
	}
	if len(streams) == 0 || len(streams[0].Messages) == 0 {
		return nil, nil
	}
	return q.delivered(ctx, streams[0].Messages[0])
}

// delivered reads the receive count of an entry just handed out, and moves it
// to the dead-letter stream instead when it has been received too often.
func (q *Queue) delivered(ctx context.Context, x redis.XMessage) (*Message, error) {
	body, _ := x.Values["body"].(string)
	m := &Message{ID: x.ID, Body: body, ReceiveCount: 1, SentAt: entryTime(x.ID)}
	pend, err := q.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: q.stream, Group: q.group,
		Start: x.ID, End: x.ID, Count: 1}).Result()
	if err != nil {
		return nil, fmt.Errorf("localaws: queue %s: receive count: %w", q.Name, err)
	}
	if len(pend) == 1 {
		m.ReceiveCount = int(pend[0].RetryCount)
	}
	if m.ReceiveCount <= q.MaxReceives {
		return m, nil
	}
	pipe := q.rdb.TxPipeline()
	pipe.XAdd(ctx, &redis.XAddArgs{Stream: q.dlq, Values: []any{"body", body, "source_id", x.ID,
		"receives", strconv.Itoa(m.ReceiveCount - 1)}})
	pipe.XAck(ctx, q.stream, q.group, x.ID)
	pipe.XDel(ctx, q.stream, x.ID)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("localaws: queue %s: dead-letter: %w", q.Name, err)
	}
	return nil, nil
}

// lostGroup notices a Redis that lost the consumer group (restarted without
// persistence): the next call creates it again.
func (q *Queue) lostGroup(err error) {
	if strings.Contains(err.Error(), "NOGROUP") {
		q.groupOnce.Lock()
		q.groupReady = false
		q.groupOnce.Unlock()
	}
}

func entryTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n)
}

// Delete removes a received message for good.
func (q *Queue) Delete(ctx context.Context, m *Message) error {
	pipe := q.rdb.TxPipeline()
	pipe.XAck(ctx, q.stream, q.group, m.ID)
	pipe.XDel(ctx, q.stream, m.ID)
	_, err := pipe.Exec(ctx)
	if err != nil {
		return fmt.Errorf("localaws: queue %s: delete: %w", q.Name, err)
	}
	return nil
}

// ErrReceiptHandle is a receipt handle that names no message in flight.
var ErrReceiptHandle = errors.New("the receipt handle is not one of a message in flight")

// ChangeVisibility makes a received message visible again after d, as SQS's
// ChangeMessageVisibility does. The stream keeps no per-message timeout, only how
// long an entry has been idle, which Receive compares with the queue's visibility:
// so the entry's idle time is set to Visibility - d (XCLAIM IDLE, JUSTID so the
// receive count does not move). A d beyond the queue's visibility is cut to it.
func (q *Queue) ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error {
	id, _, _ := strings.Cut(receiptHandle, "#")
	if id == "" {
		return ErrReceiptHandle
	}
	idle := max(q.Visibility-d, 0)
	// A raw command: go-redis's XClaimArgs has no IDLE option.
	claimed, err := q.rdb.Do(ctx, "XCLAIM", q.stream, q.group, "visibility", 0, id,
		"IDLE", idle.Milliseconds(), "JUSTID").StringSlice()
	if err != nil {
		if strings.Contains(err.Error(), "Invalid stream ID") {
			return ErrReceiptHandle
		}
		return fmt.Errorf("localaws: queue %s: change visibility: %w", q.Name, err)
	}
	if len(claimed) == 0 {
		return ErrReceiptHandle // deleted, or never received
	}
	return nil
}

// Len is the number of messages in the queue (visible or in flight).
func (q *Queue) Len(ctx context.Context) (int64, error) {
	return q.rdb.XLen(ctx, q.stream).Result()
}

// DeadLetters lists the dead-letter stream's messages.
func (q *Queue) DeadLetters(ctx context.Context) ([]Message, error) {
	xs, err := q.rdb.XRange(ctx, q.dlq, "-", "+").Result()
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(xs))
	for i, x := range xs {
		body, _ := x.Values["body"].(string)
		n, _ := strconv.Atoi(fmt.Sprint(x.Values["receives"]))
		out[i] = Message{ID: x.ID, Body: body, ReceiveCount: n, SentAt: entryTime(x.ID)}
	}
	return out, nil
}

// SQS is the message as a Lambda SQS event record carries it.
func (q *Queue) SQS(m *Message, firstReceive time.Time) events.SQSMessage {
	sum := md5.Sum([]byte(m.Body))
	return events.SQSMessage{
		MessageId:     m.ID,
		ReceiptHandle: m.ID + "#" + strconv.Itoa(m.ReceiveCount),
		Body:          m.Body,
		Md5OfBody:     hex.EncodeToString(sum[:]),
		Attributes: map[string]string{
			"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
			"SentTimestamp":                    strconv.FormatInt(m.SentAt.UnixMilli(), 10),
			"SenderId":                         "LOCAL",
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(firstReceive.UnixMilli(), 10),
		},
		MessageAttributes: map[string]events.SQSMessageAttribute{},
		EventSource:       "aws:sqs",
		EventSourceARN:    q.ARN(),
		AWSRegion:         q.Region,
	}
}
