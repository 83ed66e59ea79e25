// Command infra is CivicQ's CDK app: it synthesizes the CivicQ stack from the route
// table. cdk.json at the repository root runs it as `cd infra && go run .` with
// CIVICQ_CALLER_DIR=..; `go run .` in infra/ works on its own too and then writes
// the cloud assembly to ../cdk.out, where the CDK CLI has it written.
//
// The function binaries come from ../build (the output of `make build`), or from
// $CIVICQ_BUILD_DIR, relative to the directory the command was run from.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/infra/civicq"
)

func main() {
	buildDir, outdir, dirs, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: outdir})
	stage, err := civicq.StageFrom(app)
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	env := env()
	webACL := contextString(app, "webAclArn")
	if env != nil && *env.Region != civicq.EdgeRegion && webACL == "" {
		// A CLOUDFRONT-scoped web ACL only exists in us-east-1: synthesize the stack
		// that makes it there, and say how to go on.
		civicq.NewWafStack(app, stage, env.Account)
		fmt.Fprintf(os.Stderr, "infra: region %s: deploy %s (us-east-1) first, then pass its WebAclArn output "+
			"with -c webAclArn=... to deploy CivicQ-%s\n", *env.Region, civicq.WafStackName(stage), stage)
		app.Synth(nil)
		return
	}
	civicq.NewCivicQStack(app, "CivicQ-"+string(stage), &civicq.CivicQStackProps{
		StackProps:    awscdk.StackProps{Env: env},
		Stage:         stage,
		BuildDir:      buildDir,
		MigrationsDir: dirs.migrations,
		SiteDir:       dirs.site,
		SourceDir:     dirs.source,
		WebACLArn:     webACL,
		AlarmEmail:    contextString(app, "alarmEmail"),
		Nag:           contextString(app, "nag") != "false",
	})
	app.Synth(nil)
}

// contextString reads a string from the CDK context (-c key=value).
func contextString(app awscdk.App, key string) string {
	if v := app.Node().TryGetContext(jsii.String(key)); v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// repoDirs are the repository folders the stack reads, as absolute paths.
type repoDirs struct{ migrations, site, source string }

// setup finds the build and checks it, before jsii starts, so a missing build is one
// line rather than a stack trace. It then moves to the caller's directory: the CDK
// CLI runs in the repository root and hands the app paths relative to it
// (CDK_OUTDIR, CDK_ERROR_FILE...), while `go run` has to run in infra/, this module.
// The node process behind jsii resolves those paths against its working directory,
// which it takes from ours when the first CDK call starts it. (Rewriting the
// variables here would not do: jsii fixes the child's environment while the
// packages initialize.)
func setup() (buildDir string, outdir *string, dirs repoDirs, err error) {
	caller := os.Getenv("CIVICQ_CALLER_DIR")
	buildDir = os.Getenv("CIVICQ_BUILD_DIR")
	switch {
	case buildDir == "":
		buildDir = civicq.DefaultBuildDir
	case caller != "" && !filepath.IsAbs(buildDir):
		buildDir = filepath.Join(caller, buildDir)
	}
	if buildDir, err = filepath.Abs(buildDir); err != nil {
		return "", nil, dirs, err
	}
	if err := civicq.CheckBuild(buildDir); err != nil {
		return "", nil, dirs, err
	}
	// Relative to infra/, before moving to the caller's directory.
	if dirs.migrations, err = filepath.Abs(civicq.DefaultMigrationsDir); err != nil {
		return "", nil, dirs, err
	}
	if dirs.site, err = filepath.Abs("../web/dist"); err != nil {
		return "", nil, dirs, err
	}
	if dirs.source, err = filepath.Abs(".."); err != nil {
		return "", nil, dirs, err
	}
	if os.Getenv("CDK_OUTDIR") == "" {
		out, err := filepath.Abs("../cdk.out")
		if err != nil {
			return "", nil, dirs, err
		}
		outdir = &out
	}
	if caller != "" {
		if err := os.Chdir(caller); err != nil {
			return "", nil, dirs, err
		}
	}
	return buildDir, outdir, dirs, nil
}

// env deploys to the account and region of the caller's AWS profile when the CDK
// CLI found both; otherwise the stack stays environment-agnostic.
func env() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: &account, Region: &region}
}
