package migrate

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/testenv"
)

// secretsServer speaks the slice of the Secrets Manager JSON protocol that the
// SDK's GetSecretValue uses, so the test goes through the same SDK call as the
// cloud. Its secrets can be changed between calls.
type secretsServer struct {
	*httptest.Server
	mu      sync.Mutex
	secrets map[string]string // ARN -> SecretString
	calls   int
}

func newSecretsServer(t *testing.T) *secretsServer {
	s := &secretsServer{secrets: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
			!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"InvalidRequestException","message":"unexpected call"}`))
			return
		}
		var in struct{ SecretId string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		v, ok := s.secrets[in.SecretId]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": in.SecretId, "SecretString": v})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *secretsServer) set(arn, user, password string) {
	b, _ := json.Marshal(map[string]string{"username": user, "password": password, "engine": "postgres"})
	s.mu.Lock()
	s.secrets[arn] = string(b)
	s.mu.Unlock()
}

const (
	writerARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:writer-AbCdEf"
	readerARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:reader-AbCdEf"
)

func usersOptions(t *testing.T, dsn string, srv *secretsServer) Options {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	return Options{
		DSN: dsn, Region: "us-east-1", SecretsEndpoint: srv.URL,
		UserSecrets: map[string]string{WriterUser: writerARN, ReaderUser: readerARN},
	}
}

// scramMatches checks a pg_authid SCRAM-SHA-256 verifier against a password
// (RFC 5802 / RFC 7677: StoredKey = H(HMAC(SaltedPassword, "Client Key"))).
func scramMatches(t *testing.T, verifier, password string) bool {
	t.Helper()
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
	parts := strings.Split(strings.TrimPrefix(verifier, "SCRAM-SHA-256$"), "$")
	require.Len(t, parts, 2, "not a SCRAM verifier")
	iterSalt := strings.SplitN(parts[0], ":", 2)
	keys := strings.SplitN(parts[1], ":", 2)
	iter, err := strconv.Atoi(iterSalt[0])
	require.NoError(t, err)
	salt, err := base64.StdEncoding.DecodeString(iterSalt[1])
	require.NoError(t, err)
	stored, err := base64.StdEncoding.DecodeString(keys[0])
	require.NoError(t, err)
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	sum := sha256.Sum256(mac.Sum(nil))
	return hmac.Equal(sum[:], stored)
}

func verifier(t *testing.T, conn *pgx.Conn, user string) string {
	t.Helper()
	var v string
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT rolpassword FROM pg_authid WHERE rolname = $1 AND rolcanlogin", user).Scan(&v))
	return v
}

// as connects to dsn's database as user (the test cluster trusts local
// connections, so only the user's privileges are under test here; the password
// is checked against its SCRAM verifier above).
func as(t *testing.T, dsn, user string) *pgx.Conn {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.User = url.User(user)
	return connect(t, context.Background(), u.String())
}

func sqlCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// The deploy-time handler reads both users' secrets through the Secrets Manager
// API, creates the users with exactly those passwords, and grants the reader only
// reads and the writer row changes (no DDL, no migration table). A second deploy
// with a changed secret changes the password and nothing else.
func TestHandlerCreatesUsersFromTheirSecrets(t *testing.T) {
	ctx := ctxT(t)
	dsn := testenv.EmptyDB(t)
	srv := newSecretsServer(t)
	srv.set(writerARN, WriterUser, "writer-pass-1'; DROP TABLE cities; --")
	srv.set(readerARN, ReaderUser, "reader pass 1")
	h := Handler(usersOptions(t, dsn, srv))

	_, err := h(ctx, cfn.Event{RequestType: cfn.RequestCreate})
	require.NoError(t, err)
	owner := connect(t, ctx, dsn)
	require.True(t, scramMatches(t, verifier(t, owner, WriterUser), "writer-pass-1'; DROP TABLE cities; --"))
	require.True(t, scramMatches(t, verifier(t, owner, ReaderUser), "reader pass 1"))
	require.False(t, scramMatches(t, verifier(t, owner, ReaderUser), "reader pass 2"), "the check itself must be able to fail")
	require.Equal(t, 2, srv.calls)

	reader := as(t, dsn, ReaderUser)
	var n int
	require.NoError(t, reader.QueryRow(ctx, "SELECT count(*) FROM cities").Scan(&n))
	_, err = reader.Exec(ctx, "INSERT INTO cities (slug, name, state, timezone) VALUES ('x', 'X', 'OR', 'UTC')")
	require.Equal(t, "42501", sqlCode(err), "the reader must not write: %v", err)
	_, err = reader.Exec(ctx, "SELECT * FROM "+VersionTable)
	require.Equal(t, "42501", sqlCode(err), "the reader must not see the migrations table: %v", err)

	writer := as(t, dsn, WriterUser)
	tag, err := writer.Exec(ctx, "UPDATE cities SET name = name")
	require.NoError(t, err, "the writer changes rows")
	require.Zero(t, tag.RowsAffected())
	_, err = writer.Exec(ctx, "CREATE TABLE intruder (id int)")
	require.Equal(t, "42501", sqlCode(err), "the writer must not change the schema: %v", err)
	_, err = writer.Exec(ctx, "DELETE FROM "+VersionTable)
	require.Equal(t, "42501", sqlCode(err), "the writer must not touch the migrations table: %v", err)
	_, err = writer.Exec(ctx, "DROP TABLE votes")
	require.Equal(t, "42501", sqlCode(err), "the writer must not drop tables: %v", err)

	// The next deploy: the secret was re-created with a new password.
	srv.set(readerARN, ReaderUser, "reader pass 2")
	_, err = h(ctx, cfn.Event{RequestType: cfn.RequestUpdate})
	require.NoError(t, err)
	require.True(t, scramMatches(t, verifier(t, owner, ReaderUser), "reader pass 2"))
	require.True(t, scramMatches(t, verifier(t, owner, WriterUser), "writer-pass-1'; DROP TABLE cities; --"))
}

// A secret that names another user, or one that cannot be read, stops the deploy
// before any migration runs, and the error never contains a password.
func TestHandlerRefusesBadSecretsBeforeMigrating(t *testing.T) {
	ctx := ctxT(t)
	srv := newSecretsServer(t)
	for name, setup := range map[string]func(){
		"swapped": func() {
			srv.set(writerARN, ReaderUser, "sekret-swapped")
			srv.set(readerARN, WriterUser, "sekret-swapped")
		},
		"missing": func() {
			srv.mu.Lock()
			srv.secrets = map[string]string{}
			srv.mu.Unlock()
		},
		"no password": func() {
			srv.set(writerARN, WriterUser, "")
			srv.set(readerARN, ReaderUser, "")
		},
	} {
		t.Run(name, func(t *testing.T) {
			dsn := testenv.EmptyDB(t)
			setup()
			_, err := Handler(usersOptions(t, dsn, srv))(ctx, cfn.Event{RequestType: cfn.RequestCreate})
			require.Error(t, err)
			require.NotContains(t, err.Error(), "sekret")
			v, verr := Version(ctx, dsn)
			require.NoError(t, verr)
			require.Zero(t, v, "no migration may run when the users cannot be set up")
		})
	}
}

func TestEnsureUsersRefusesForeignNames(t *testing.T) {
	ctx := ctxT(t)
	db, err := open(testenv.EmptyDB(t), "")
	require.NoError(t, err)
	defer db.Close()
	for _, u := range []string{"postgres", "civicq_writer; DROP", "civicq_auditor", ""} {
		require.Error(t, EnsureUsers(ctx, db, []Login{{User: u, Password: "x"}}), u)
	}
}
