package civicq

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultMigrationsDir is the repository's migrations folder, relative to infra/.
const DefaultMigrationsDir = "../migrations"

func migrationsDir(dir string) string {
	if dir == "" {
		return DefaultMigrationsDir
	}
	return dir
}

// NewMigrations runs fn (the migrate function, shared/migrate.Handler) as the
// onEvent handler of a custom resource through the CDK Provider framework. Its
// MigrationsHash property is the hash of the migrations folder, so CloudFormation
// sends an Update, and the function applies what is pending, on every deploy that
// changes a migration; the function's own code is an asset, so a new migrate binary
// (which embeds the migrations) also updates it. Applying migrations is
// idempotent, so a deploy may also force a run with -c migrateNonce=<anything>.
func NewMigrations(scope constructs.Construct, id string, fn *Function, hash string) awscdk.CustomResource {
	c := constructs.NewConstruct(scope, jsii.String(id))
	logs := awslogs.NewLogGroup(c, jsii.String("ProviderLogs"), &awslogs.LogGroupProps{Retention: LogRetention})
	provider := customresources.NewProvider(c, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler: fn.Fn,
		LogGroup:       logs,
	})
	properties := map[string]any{"MigrationsHash": hash}
	if n := c.Node().TryGetContext(jsii.String("migrateNonce")); n != nil {
		properties["Nonce"] = fmt.Sprint(n)
	}
	return awscdk.NewCustomResource(c, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(),
		ResourceType: jsii.String("Custom::CivicQMigrations"),
		Properties:   &properties,
	})
}

// hashDir hashes the names and contents of the regular files in dir, in name order.
func hashDir(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	h := sha256.New()
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00", e.Name())
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
		h.Write([]byte{0})
		n++
	}
	if n == 0 {
		return "", fmt.Errorf("migrations: no files in %s", dir)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
