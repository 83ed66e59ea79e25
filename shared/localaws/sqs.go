package localaws

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// SQSAPI serves the part of SQS's JSON protocol (AWS JSON 1.0, the one
// aws-sdk-go-v2 speaks) that CivicQ's functions call: ChangeMessageVisibility, on
// the given queues, found by the last segment of the QueueUrl. The local stack
// mounts it on the same endpoint as the local S3, told apart by the protocol's
// X-Amz-Target header (IsSQS), as single-endpoint AWS emulators do.
func SQSAPI(queues ...*Queue) http.Handler {
	byName := map[string]*Queue{}
	for _, q := range queues {
		byName[q.Name] = q
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if r.Method != http.MethodPost || action != "ChangeMessageVisibility" {
			sqsError(w, http.StatusBadRequest, "InvalidAction", "The local SQS serves ChangeMessageVisibility only, not "+action+".")
			return
		}
		var in struct {
			QueueUrl          string
			ReceiptHandle     string
			VisibilityTimeout *int64
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		if err := dec.Decode(&in); err != nil || in.ReceiptHandle == "" || in.VisibilityTimeout == nil {
			sqsError(w, http.StatusBadRequest, "MissingParameter", "QueueUrl, ReceiptHandle and VisibilityTimeout are required.")
			return
		}
		if *in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200 {
			sqsError(w, http.StatusBadRequest, "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200 seconds.")
			return
		}
		q := byName[in.QueueUrl[strings.LastIndex(in.QueueUrl, "/")+1:]]
		if q == nil {
			sqsError(w, http.StatusBadRequest, "QueueDoesNotExist", "No queue at "+in.QueueUrl+".")
			return
		}
		err := q.ChangeVisibility(r.Context(), in.ReceiptHandle, time.Duration(*in.VisibilityTimeout)*time.Second)
		switch {
		case errors.Is(err, ErrReceiptHandle):
			sqsError(w, http.StatusBadRequest, "ReceiptHandleIsInvalid", err.Error())
		case err != nil:
			sqsError(w, http.StatusInternalServerError, "InternalError", err.Error())
		default:
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			_, _ = io.WriteString(w, "{}")
		}
	})
}

// IsSQS reports whether a request to the local AWS endpoint is an SQS call.
func IsSQS(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
}

// sqsError answers as SQS's JSON protocol does; the SDK maps __type to its error
// types (ReceiptHandleIsInvalid, QueueDoesNotExist...).
func sqsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", code+";Sender")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}
