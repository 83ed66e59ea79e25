package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/store"
)

// Uploads is how the upload route presigns: where browser uploads go, their
// limits, and the credentials that sign them (read per request: Lambda's role
// credentials are in the environment).
type Uploads struct {
	Bucket      string
	Region      string
	Endpoint    string // "" for AWS; the local S3's URL otherwise
	MaxBytes    int64
	TTL         time.Duration
	Credentials func() (objects.Credentials, error)
	Now         func() time.Time
}

// uploadBody is the request-answer-upload body: the content type the browser
// will send (Blob.type of the recording) and, optionally, the file's size so a
// file over the limit is refused before it is sent.
type uploadBody struct {
	ContentType string `json:"contentType"`
	Size        *int64 `json:"size,omitempty"`
}

// requireCandidateOfRecord admits only the holder of the approved claim of the
// {candidate} in the path (routes.CandidateOfRecord, decided by permit), and
// returns the city's policy, the candidate and their contest.
func requireCandidateOfRecord(w http.ResponseWriter, r *http.Request, d *Deps) (domain.CityPolicy, string, string, bool) {
	policy, candidateID, ok := cityAndID(w, r, d, "candidate")
	if !ok {
		return policy, "", "", false
	}
	c, ok := permit(w, r, d, Scope{CityID: policy.CityID, CandidateID: candidateID})
	if !ok {
		return policy, "", "", false
	}
	// permit has admitted the holder; this reads the record's contest (and would
	// refuse, were the claim withdrawn in between).
	contestID, err := d.Store.CandidateOfRecord(r.Context(), policy.CityID, candidateID, c.Subject)
	switch {
	case errors.Is(err, store.ErrNotCandidateOfRecord):
		WriteError(w, http.StatusForbidden, codeNotCandidate,
			"Only the candidate's own verified account can do this. Claim your candidate record and wait for the city's approval.")
		return policy, "", "", false
	case err != nil:
		writeStoreError(w, r, d.Log, "candidate_not_found", "No such candidate in "+policy.Slug+".", err)
		return policy, "", "", false
	}
	return policy, candidateID, contestID, true
}

// RequestAnswerUpload serves POST /api/cities/{city}/candidates/{candidate}/answers/{question}/upload:
// the candidate of record asks to answer a question of their own contest and
// gets a presigned S3 POST bound to a fresh key of that answer, limited to the
// content type they declared (a video type) and the size limit. The video goes
// from the browser straight to S3. Asking again replaces the upload (a
// re-recording) as long as nothing is published; a published answer is final.
func RequestAnswerUpload(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, candidateID, contestID, ok := requireCandidateOfRecord(w, r, d)
		if !ok {
			return
		}
		questionID, ok := pathID(w, r, "question")
		if !ok {
			return
		}
		body, ok := decodeJSON[uploadBody](w, r)
		if !ok {
			return
		}
		up := d.Uploads
		ct, allowed := objects.NormalizeVideoType(body.ContentType)
		if !allowed {
			writeErrorDetail(w, http.StatusBadRequest, ErrorDetail{Code: "unsupported_video_type",
				Message: "Upload a video: " + strings.Join(objects.VideoTypeList, ", ") + ".",
				Fields:  []domain.FieldError{{Field: "contentType", Message: "must be one of " + strings.Join(objects.VideoTypeList, ", ")}}})
			return
		}
		if body.Size != nil && (*body.Size < 1 || *body.Size > up.MaxBytes) {
			WriteError(w, http.StatusRequestEntityTooLarge, "video_too_large",
				fmt.Sprintf("Videos can be at most %d MB; this one is %d MB.", up.MaxBytes>>20, max(*body.Size, 0)>>20))
			return
		}
		if up.Bucket == "" || up.Credentials == nil {
			d.Log.ErrorContext(r.Context(), "uploads are not configured (UPLOADS_BUCKET)")
			WriteError(w, http.StatusServiceUnavailable, "uploads_unavailable", "Video uploads are not available right now.")
			return
		}
		creds, err := up.Credentials()
		if err != nil {
			d.Log.ErrorContext(r.Context(), "no credentials to presign with", "error", err.Error())
			WriteError(w, http.StatusServiceUnavailable, "uploads_unavailable", "Video uploads are not available right now.")
			return
		}
		grant, err := d.Store.PrepareAnswerUpload(r.Context(), store.AnswerUploadRequest{
			CityID: policy.CityID, CandidateID: candidateID, ContestID: contestID, QuestionID: questionID,
			Key: func(answerID string) string { return objects.UploadKey(policy.CityID, answerID, ct) },
		})
		switch {
		case errors.Is(err, store.ErrAnswerPublished):
			WriteError(w, http.StatusConflict, "answer_published", "Your answer to this question is published. Answers are on the record: there is no re-record.")
			return
		case errors.Is(err, store.ErrOtherContest):
			WriteError(w, http.StatusForbidden, "question_not_in_your_contest", "Candidates answer the questions of their own contest only.")
			return
		case errors.Is(err, store.ErrNotAnswerable):
			WriteError(w, http.StatusConflict, "question_not_open", "This question is not open to answers (it is not approved, or it is hidden or merged).")
			return
		case err != nil:
			writeStoreError(w, r, d.Log, "question_not_found", "No such question in "+policy.Slug+".", err)
			return
		}
		now := time.Now()
		if up.Now != nil {
			now = up.Now()
		}
		post, err := objects.PresignPost(creds, objects.PostInput{
			Bucket: up.Bucket, Key: grant.Key, ContentType: ct, MinBytes: 1, MaxBytes: up.MaxBytes,
			Expires: up.TTL, Region: up.Region, Endpoint: up.Endpoint,
		}, now)
		if err != nil {
			d.Log.ErrorContext(r.Context(), "presign", "error", err.Error())
			WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
			return
		}
		// 200 whether the answer row is new or not: what is granted is an upload,
		// and asking again (a re-recording) grants a new one.
		progress := "/api/cities/" + policy.Slug + "/candidates/" + candidateID + "/answers/" + questionID
		writeJSON(w, http.StatusOK, privateCacheControl, domain.AnswerUpload{
			AnswerID: grant.AnswerID, Status: domain.AnswerUploading, Key: grant.Key, URL: post.URL, Fields: post.Fields,
			ContentType: ct, MaxBytes: up.MaxBytes, ExpiresAt: post.ExpiresAt, ProgressPath: progress,
		})
	})
}

// AnswerProgress serves GET /api/cities/{city}/candidates/{candidate}/answers/{question}:
// the candidate of record follows their answer: its state, the transcoding
// percentage, why it failed, and its playback once published.
func AnswerProgress(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, candidateID, _, ok := requireCandidateOfRecord(w, r, d)
		if !ok {
			return
		}
		questionID, ok := pathID(w, r, "question")
		if !ok {
			return
		}
		p, err := d.Store.AnswerProgress(r.Context(), policy.CityID, candidateID, questionID)
		if err != nil {
			writeStoreError(w, r, d.Log, "question_not_found", "No such question in "+policy.Slug+".", err)
			return
		}
		if p.Playback != nil {
			resolvePlayback(d, p.Playback)
		}
		writeJSON(w, http.StatusOK, privateCacheControl, p)
	})
}

// CandidateAnswers serves GET /api/cities/{city}/candidates/{candidate}/answers:
// the candidate of record lists their answers (state, transcoding percent, why
// one failed), which their question queue shows beside the contest's questions.
// Private and never cached: it changes as the transcoder works.
func CandidateAnswers(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, candidateID, _, ok := requireCandidateOfRecord(w, r, d)
		if !ok {
			return
		}
		answers, err := d.Store.CandidateAnswerStates(r.Context(), policy.CityID, candidateID)
		if err != nil {
			writeStoreError(w, r, d.Log, "candidate_not_found", "No such candidate in "+policy.Slug+".", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, map[string]any{"candidateId": candidateID, "answers": answers})
	})
}

// resolvePlayback turns the media keys the store reads into URLs.
func resolvePlayback(d *Deps, p *domain.Playback) {
	p.MasterURL = objects.MediaURL(d.MediaBaseURL, p.MasterURL)
	p.PosterURL = objects.MediaURL(d.MediaBaseURL, p.PosterURL)
}
