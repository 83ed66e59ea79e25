package registry

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/testenv"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

func fixtures(t *testing.T, name string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "events", name, "*.json"))
	require.NoError(t, err)
	return files
}

// Every row of the route table must have its function folder (whose main.go names
// the row), its fixtures, its handler and its local-gateway mount; and no function
// folder may exist without a row.
func TestEveryRouteHasFunctionFixturesAndMount(t *testing.T) {
	cfg := config.Config{DatabaseURL: "postgres://nobody@127.0.0.1:1/none", DBMaxConns: 1}
	mounts, closeAll, err := Mounts(cfg)
	require.NoError(t, err)
	defer closeAll()
	mounted := map[string]bool{}
	for _, m := range mounts {
		mounted[m.Route.Name] = true
	}
	handlers := api.Handlers()
	constructors := api.Constructors()
	seenPatterns := map[string]string{}
	for _, row := range routes.Table {
		main, err := os.ReadFile(filepath.Join(root, "functions", row.Name, "main.go"))
		require.NoError(t, err, "route %s has no functions/%s/main.go", row.Name, row.Name)
		require.Contains(t, string(main), `runtime.ServeHTTP("`+row.Name+`", api.`+constructorName(t, constructors[row.Name])+`)`,
			"functions/%s/main.go must serve its own row with its own handler (api.Constructors)", row.Name)
		require.NotEmpty(t, fixtures(t, row.Name), "route %s has no fixtures in events/%s/", row.Name, row.Name)
		require.NotNil(t, handlers[row.Name], "route %s has no handler in api.Handlers", row.Name)
		require.True(t, mounted[row.Name], "route %s is not mounted by the local gateway", row.Name)
		require.True(t, strings.HasPrefix(row.Path, "/api/"), "route %s must live under /api/ (CloudFront routes /api/* to the HTTP API)", row.Name)
		require.Contains(t, []routes.Access{routes.Public, routes.Caller}, row.Access, "route %s must say who may call it", row.Name)
		require.NotEmpty(t, row.Who, "route %s has no permission rule (routes.Rule)", row.Name)
		require.Equal(t, row.Access == routes.Public, row.Who == routes.Anyone, "route %s: only public routes admit anyone, and they admit everyone", row.Name)
		require.Positive(t, row.MemoryMB)
		require.Positive(t, row.Timeout)
		prev, dup := seenPatterns[row.Pattern()]
		require.False(t, dup, "routes %s and %s share %s", prev, row.Name, row.Pattern())
		seenPatterns[row.Pattern()] = row.Name
	}
	for _, task := range routes.Tasks {
		_, err := os.Stat(filepath.Join(root, "functions", task.Name, "main.go"))
		require.NoError(t, err, "task %s has no functions/%s/main.go", task.Name, task.Name)
		require.NotEmpty(t, fixtures(t, task.Name), "task %s has no fixtures", task.Name)
	}
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	require.NoError(t, err)
	known := map[string]bool{}
	for _, n := range routes.Names() {
		known[n] = true
	}
	for _, d := range dirs {
		require.True(t, known[d.Name()], "functions/%s has no row in shared/routes", d.Name())
	}
}

var statusPrefix = regexp.MustCompile(`^(\d{3})-`)

// cachedInRedis are the routes whose answers are cached (per city version) in Redis.
var cachedInRedis = map[string]bool{"list-cities": true, "get-ballot": true, "get-contest": true, "get-candidate": true}

// Every fixture runs through its function's Lambda entry path against the real
// Postgres and Redis, and answers the status its file name starts with.
func TestFixturesAnswerTheirStatus(t *testing.T) {
	dsn := testenv.EmptyDB(t)
	ctx := context.Background()
	_, err := localdev.Prepare(ctx, dsn, true)
	require.NoError(t, err)
	cfg := config.Config{
		DatabaseURL: dsn, DatabaseReadURL: dsn, DBMaxConns: 2, DBConnectTimeout: 2e9,
		RedisAddr: testenv.RedisAddr(t), RedisTimeout: 2e8, RedisPoolSize: 2,
		CachePrefix: testenv.KeyPrefix(t), MetricsNamespace: "CivicQTest",
		UploadsBucket: "civicq-dev-uploads", MediaBucket: "civicq-dev-media", UploadMaxBytes: 500 << 20,
		UploadURLTTL: 15 * time.Minute, AWSRegion: "us-east-1",
	}
	// Presigning reads the role's credentials from the environment, as in Lambda.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFIXTURES")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fixtures-secret")
	for _, row := range routes.Table {
		f, err := Build(row.Name, cfg)
		require.NoError(t, err)
		f.Runtime.Metrics = &strings.Builder{}
		for _, file := range fixtures(t, row.Name) {
			base := filepath.Base(file)
			m := statusPrefix.FindStringSubmatch(base)
			require.NotNil(t, m, "fixture %s must start with the status it expects (e.g. 200-...)", file)
			want, _ := strconv.Atoi(m[1])
			payload, err := os.ReadFile(file)
			require.NoError(t, err)
			// Twice: the second answer comes from Redis and must be the same.
			var first events.APIGatewayV2HTTPResponse
			for i := 0; i < 2; i++ {
				out, err := f.Handler.Invoke(ctx, payload)
				require.NoError(t, err, "%s/%s", row.Name, base)
				var resp events.APIGatewayV2HTTPResponse
				require.NoError(t, json.Unmarshal(out, &resp))
				resp.Body = plainBody(t, resp)
				require.Equal(t, want, resp.StatusCode, "%s/%s answered %s", row.Name, base, resp.Body)
				require.Equal(t, "application/json", resp.Headers["Content-Type"], "%s/%s", row.Name, base)
				require.True(t, json.Valid([]byte(resp.Body)), "%s/%s body is not JSON", row.Name, base)
				if want >= 400 {
					var e api.ErrorBody
					require.NoError(t, json.Unmarshal([]byte(resp.Body), &e))
					require.NotEmpty(t, e.Error.Code, "%s/%s: error without a code", row.Name, base)
					require.NotEmpty(t, e.Error.Message)
				}
				if i == 0 {
					first = resp
					if row.Method != "GET" {
						break // writes run once: a second ask would be a duplicate
					}
				} else if cachedInRedis[row.Name] { // the second answer comes from Redis: byte for byte the same
					require.JSONEq(t, first.Body, resp.Body, "%s/%s: cached answer differs", row.Name, base)
				}
			}
		}
		f.Close()
	}
	// Tasks run on a database of their own: the migrate fixtures must really migrate.
	taskCfg := cfg
	taskCfg.DatabaseURL = testenv.EmptyDB(t)
	taskCfg.DatabaseReadURL = taskCfg.DatabaseURL
	for _, task := range routes.Tasks {
		f, err := Build(task.Name, taskCfg)
		require.NoError(t, err)
		for _, file := range fixtures(t, task.Name) {
			payload, err := os.ReadFile(file)
			require.NoError(t, err)
			out, err := f.Handler.Invoke(ctx, payload)
			require.NoError(t, err, "%s/%s", task.Name, filepath.Base(file))
			require.True(t, json.Valid(out))
			if task.Name == "migrate" && filepath.Base(file) != "delete.json" {
				var resp struct {
					PhysicalResourceId string
					Data               map[string]string
				}
				require.NoError(t, json.Unmarshal(out, &resp))
				require.Equal(t, "civicq-migrations", resp.PhysicalResourceId)
				require.NotEqual(t, "0", resp.Data["Version"], "the schema must be at its latest version")
			}
			if task.Name == "transcode" {
				// Test events, uploads of no answer and keys that are not uploads are
				// acknowledged: retrying them could never help.
				var resp events.SQSEventResponse
				require.NoError(t, json.Unmarshal(out, &resp))
				require.Empty(t, resp.BatchItemFailures, "%s", filepath.Base(file))
			}
		}
		f.Close()
	}
}

// plainBody undoes what API Gateway and the browser undo: base64 for binary
// payloads, then the Content-Encoding.
func plainBody(t *testing.T, resp events.APIGatewayV2HTTPResponse) string {
	t.Helper()
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		body, err = base64.StdEncoding.DecodeString(resp.Body)
		require.NoError(t, err)
	}
	if resp.Headers["Content-Encoding"] == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	return string(body)
}

// constructorName is the name of an api function ("Ballot" for api.Ballot).
func constructorName(t *testing.T, c api.Constructor) string {
	t.Helper()
	require.NotNil(t, c)
	full := goruntime.FuncForPC(reflect.ValueOf(c).Pointer()).Name() // github.com/.../shared/api.Ballot
	name, ok := strings.CutPrefix(full, "github.com/civicq/civicq/shared/api.")
	require.True(t, ok, "constructor %s is not a function of shared/api", full)
	return name
}
