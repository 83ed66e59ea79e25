package domain

import "time"

// Answer statuses: a candidate asked to upload (uploading), the transcoder works
// on the upload (processing), it plays (published: for good, no re-record), or
// the upload was refused (failed, with a reason the candidate can read; they may
// upload again). draft is the schema's initial value.
const (
	AnswerDraft      = "draft"
	AnswerUploading  = "uploading"
	AnswerProcessing = "processing"
	AnswerPublished  = "published"
	AnswerFailed     = "failed"
)

// Video statuses (videos.status).
const (
	VideoPending    = "pending"
	VideoProcessing = "processing"
	VideoReady      = "ready"
	VideoFailed     = "failed"
)

// Playback is what a player needs of a published answer, and the provenance of
// what the candidate uploaded: the SHA-256 of the original file.
type Playback struct {
	MasterURL        string    `json:"masterUrl"` // HLS master playlist
	PosterURL        string    `json:"posterUrl"`
	DurationSeconds  float64   `json:"durationSeconds"`
	ProvenanceSHA256 string    `json:"provenanceSha256"`
	PublishedAt      time.Time `json:"publishedAt"`
}

// PublishedAnswer is one published answer as a question page or a candidate's
// profile lists it.
type PublishedAnswer struct {
	AnswerID     string `json:"answerId"`
	QuestionID   string `json:"questionId"`
	QuestionText string `json:"questionText,omitempty"`
	CandidateID  string `json:"candidateId,omitempty"`
	Playback
}

// AnswerUpload is the request-answer-upload response: the presigned POST the
// browser sends the file with, and the answer it is bound to.
type AnswerUpload struct {
	AnswerID     string            `json:"answerId"`
	Status       string            `json:"status"`
	Key          string            `json:"key"`
	URL          string            `json:"url"`
	Fields       map[string]string `json:"fields"`
	ContentType  string            `json:"contentType"`
	MaxBytes     int64             `json:"maxBytes"`
	ExpiresAt    time.Time         `json:"expiresAt"`
	ProgressPath string            `json:"progressPath"` // GET it to follow the transcoding
}

// AnswerProgress is what the candidate sees of their answer while (and after) it
// is processed.
type AnswerProgress struct {
	AnswerID    string    `json:"answerId"`
	QuestionID  string    `json:"questionId"`
	CandidateID string    `json:"candidateId"`
	Status      string    `json:"status"`  // answer status, or "none" before any upload was asked for
	Percent     int       `json:"percent"` // of the current upload's transcoding, 0..100
	FailureCode string    `json:"failureCode,omitempty"`
	Failure     string    `json:"failureReason,omitempty"`
	CanUpload   bool      `json:"canUpload"` // nothing published yet: (re-)uploading is allowed
	Playback    *Playback `json:"playback,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// MinSeconds and MaxSeconds are the city's bounds of an answer's length
	// (the transcoder refuses others): the recorder stops at MaxSeconds.
	MinSeconds int `json:"minSeconds"`
	MaxSeconds int `json:"maxSeconds"`
}

// AnswerState is one of a candidate's answers as their question queue lists it.
type AnswerState struct {
	QuestionID  string     `json:"questionId"`
	AnswerID    string     `json:"answerId"`
	Status      string     `json:"status"`
	Percent     int        `json:"percent"` // of the current upload's transcoding, 0..100
	FailureCode string     `json:"failureCode,omitempty"`
	Failure     string     `json:"failureReason,omitempty"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}
