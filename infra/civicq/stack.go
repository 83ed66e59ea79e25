// Package civicq is CivicQ's CDK stack: the network, database, cache, one Lambda
// function per row of the route table (shared/routes) and per task, the HTTP API
// and its user pool, the video buckets and queue, the CloudFront distribution, and
// the dashboard and alarms. The app in infra/main.go and the template tests both
// build it from here; each part is a construct in a file of its own.
package civicq

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/site"
)

// DefaultBuildDir is where `make build` leaves build/<name>/bootstrap, relative to
// infra/, where the app is run (`go run .`).
const DefaultBuildDir = "../build"

// Stage is dev or prod, from the CDK context (`-c stage=prod`); dev by default.
type Stage string

const (
	Dev  Stage = "dev"
	Prod Stage = "prod"
)

// StageFrom reads the stage from a construct's context.
func StageFrom(scope constructs.Construct) (Stage, error) {
	v := scope.Node().TryGetContext(jsii.String("stage"))
	if v == nil {
		return Dev, nil
	}
	s, _ := v.(string)
	switch Stage(s) {
	case Dev, Prod:
		return Stage(s), nil
	}
	return "", fmt.Errorf("context stage=%v: want dev or prod", v)
}

// EdgeRegion is the only region where a CLOUDFRONT-scoped WAF web ACL can be made.
const EdgeRegion = "us-east-1"

// CivicQStackProps configures the stack.
type CivicQStackProps struct {
	awscdk.StackProps
	Stage Stage // empty: StageFrom(scope)
	// BuildDir holds one folder per function with its bootstrap binary
	// (<BuildDir>/<name>/bootstrap). Empty means DefaultBuildDir.
	BuildDir string
	// MigrationsDir is hashed at synth: the hash is a property of the migrations
	// custom resource, so a deploy that changes a migration runs them. Empty means
	// ../migrations (relative to infra/).
	MigrationsDir string
	// SiteDir is the frontend build deployed to the site bucket when it exists.
	SiteDir string
	// SourceDir is the repository root, the build context of the transcode
	// function's image (functions/transcode/Dockerfile). Empty means ".."
	// (relative to infra/).
	SourceDir string
	// WebACLArn is an existing CLOUDFRONT-scoped web ACL (`-c webAclArn=`). Empty:
	// the stack creates its own, which requires the stack to be in us-east-1.
	WebACLArn string
	// AlarmEmail is subscribed to the alarm topic (`-c alarmEmail=`).
	AlarmEmail string
	// Nag runs cdk-nag's AwsSolutions pack over the stack at synth.
	Nag bool
}

// Stack is the built stack and its parts, for the tests.
type Stack struct {
	awscdk.Stack
	Network    *Network
	Database   *Database
	Cache      *Cache
	Functions  map[string]*Function
	API        *API
	Video      *Video
	Edge       *Edge
	Operations *Operations
	stage      Stage
}

// NewCivicQStack builds the stack. It panics with a plain message when a function's
// binary is missing (callers that want an error call CheckBuild first), when the
// stage is not dev or prod, or when the stack's region cannot host its WAF.
func NewCivicQStack(scope constructs.Construct, id string, props *CivicQStackProps) *Stack {
	if props == nil {
		props = &CivicQStackProps{}
	}
	buildDir := props.BuildDir
	if buildDir == "" {
		buildDir = DefaultBuildDir
	}
	if err := CheckBuild(buildDir); err != nil {
		panic(err)
	}
	stage := props.Stage
	if stage == "" {
		var err error
		if stage, err = StageFrom(scope); err != nil {
			panic(err)
		}
	}
	sprops := props.StackProps
	if sprops.Description == nil {
		sprops.Description = jsii.String("CivicQ " + string(stage))
	}
	stack := awscdk.NewStack(scope, &id, &sprops)
	s := &Stack{Stack: stack, Functions: map[string]*Function{}, stage: stage}
	awscdk.Tags_Of(stack).Add(jsii.String("civicq:stage"), jsii.String(string(stage)), nil)

	if props.WebACLArn == "" {
		region := stack.Region()
		if !*awscdk.Token_IsUnresolved(region) && *region != EdgeRegion {
			panic(fmt.Sprintf("stack %s is in %s: its CloudFront WAF web ACL can only be created in %s; "+
				"deploy the %s stack first and pass its WebAclArn output with -c webAclArn=...",
				id, *region, EdgeRegion, WafStackName(stage)))
		}
		if *awscdk.Token_IsUnresolved(region) {
			// An environment-agnostic template: refuse to deploy outside us-east-1
			// with a clear message rather than a WAF error halfway through.
			awscdk.NewCfnRule(stack, jsii.String("EdgeRegion"), &awscdk.CfnRuleProps{
				Assertions: &[]*awscdk.CfnRuleAssertion{{
					Assert: awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(EdgeRegion)),
					AssertDescription: jsii.String("This template creates a CLOUDFRONT-scoped WAF web ACL, " +
						"which only exists in us-east-1: deploy it there, or pass -c webAclArn"),
				}},
			})
		}
	}

	s.Network = NewNetwork(stack, "Network")
	s.Database = NewDatabase(stack, "Database", &DatabaseProps{Network: s.Network, Stage: stage})
	s.Cache = NewCache(stack, "Cache", &CacheProps{Network: s.Network, Stage: stage})

	logs := privateBucket(stack, "AccessLogs", nil, &awss3.BucketProps{
		// CloudFront standard logs are written with ACLs.
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
		LifecycleRules:  &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
	})

	var transcodeTimeout awscdk.Duration
	for _, t := range routes.Tasks {
		if t.Trigger == "sqs" {
			transcodeTimeout = awscdk.Duration_Seconds(jsii.Number(t.Timeout))
		}
	}
	s.Video = NewVideo(stack, "Video", &VideoProps{AccessLogs: logs, Stage: stage, TranscodeTimeout: transcodeTimeout})

	// The migrate function, run by CloudFormation before the API functions change,
	// and the transcoder, fed by the uploads queue.
	var migrations awscdk.CustomResource
	for _, t := range routes.Tasks {
		fp := &FunctionProps{
			Dir: filepath.Join(buildDir, t.Name), MemoryMB: t.MemoryMB, Timeout: t.Timeout, Summary: t.Summary,
			Network: s.Network,
		}
		if t.Trigger == "sqs" {
			fp.Image = transcodeImage(props.SourceDir)
			// The original (up to 500 MB) and its renditions.
			fp.EphemeralMB = 4096
		}
		fn := NewFunction(stack, t.Name, fp)
		s.Functions[t.Name] = fn
		switch t.Trigger {
		case "sqs":
			s.Database.Connect(fn, DBWriterUser, false)
			s.Cache.Connect(fn)
			fn.Fn.AddEnvironment(jsii.String("UPLOADS_BUCKET"), s.Video.Uploads.BucketName(), nil)
			fn.Fn.AddEnvironment(jsii.String("MEDIA_BUCKET"), s.Video.Media.BucketName(), nil)
			fn.Fn.AddEnvironment(jsii.String("UPLOAD_MAX_BYTES"), jsii.String(strconv.Itoa(UploadMaxBytes)), nil)
			s.Video.Attach(fn.Fn)
			// S3 through the VPC's gateway endpoint: the isolated subnets have no
			// other route out, so 443 to anywhere reaches S3 and the interface
			// endpoints only (the S3 prefix list id would need a lookup at synth).
			fn.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
				jsii.String("S3 through the gateway endpoint"), nil)
		case "custom-resource":
			// The admin owns the schema. The writer and reader users' secrets are
			// handed over: the migrate function creates those users with the
			// passwords RDS Proxy will present (shared/migrate/users.go).
			s.Database.Connect(fn, DBAdminUser, false)
			for u, sec := range s.Database.UserSecrets {
				sec.GrantRead(fn.Role, nil)
				fn.Fn.AddEnvironment(jsii.String(strings.ToUpper(strings.TrimPrefix(u, "civicq_"))+"_SECRET_ARN"), sec.SecretArn(), nil)
			}
			hash, err := hashDir(migrationsDir(props.MigrationsDir))
			if err != nil {
				panic(err)
			}
			migrations = NewMigrations(stack, "Migrations", fn, hash)
		}
	}

	// Every HTTP route reaches the same places (the proxy, Redis, the endpoints):
	// one security group for all of them keeps the stack under CloudFormation's
	// 500-resource limit (functions.go, SharedSecurityGroup).
	routeSG := NewSharedSecurityGroup(stack, "ApiFunctionsSG", s.Network, "CivicQ API functions")
	for _, r := range routes.Table {
		fn := NewFunction(stack, r.Name, &FunctionProps{
			Dir: filepath.Join(buildDir, r.Name), MemoryMB: r.MemoryMB, Timeout: r.Timeout, Summary: r.Summary,
			Network: s.Network, SecurityGroup: routeSG,
		})
		s.Functions[r.Name] = fn
		switch r.DB {
		case routes.DBWrite:
			s.Database.Connect(fn, DBWriterUser, false)
		case routes.DBRead:
			// Read routes connect as the SELECT-only user on both endpoints:
			// DATABASE_READ_URL (the read-only endpoint) for their reads, and
			// DATABASE_URL (the writer endpoint) where a read must see the latest
			// commit: list-questions rebuilds a contest's Redis ranking from the
			// writer. rds-db:connect is granted per proxy and user, so this one grant
			// covers both endpoints, and no read route can write through either.
			s.Database.Connect(fn, DBReaderUser, true)
		}
		if r.Cache {
			s.Cache.Connect(fn)
		}
		if r.Uploads {
			// A presigned POST acts with the signer's rights: PutObject on the
			// answer upload keys only.
			fn.Fn.AddEnvironment(jsii.String("UPLOADS_BUCKET"), s.Video.Uploads.BucketName(), nil)
			fn.Fn.AddEnvironment(jsii.String("UPLOAD_MAX_BYTES"), jsii.String(strconv.Itoa(UploadMaxBytes)), nil)
			s.Video.GrantUpload(fn.Role)
		}
		if migrations != nil {
			// Updated only once the migrations have run.
			fn.Fn.Node().AddDependency(migrations)
		}
	}
	s.API = NewAPI(stack, "Api", &APIProps{Functions: s.Functions, Stage: stage})

	siteDir := props.SiteDir
	// The web app's /config.json: Cognito's regional endpoint and the ids of the
	// pool and of the client whose ID tokens the HTTP API accepts.
	idp := "https://cognito-idp." + *stack.Region() + ".amazonaws.com/"
	siteConfig := &site.Config{APIBase: "/api", Issuer: idp + *s.API.Users.UserPoolId(), Cognito: &site.Cognito{
		Endpoint: idp, Region: *stack.Region(), UserPoolID: *s.API.Users.UserPoolId(), ClientID: *s.API.Client.UserPoolClientId(),
	}}
	s.Edge = NewEdge(stack, "Edge", &EdgeProps{
		API: s.API.Http, Media: s.Video.Media, Logs: logs, WebACLArn: props.WebACLArn, SiteDir: siteDir, SiteConfig: siteConfig,
		ConnectSrc: []*string{
			jsii.String("https://cognito-idp." + *stack.Region() + ".amazonaws.com"),
			// Presigned uploads go to <bucket>.s3.<region>.amazonaws.com; naming the
			// bucket here would make a cycle (its CORS names the distribution).
			jsii.String("https://*.s3." + *stack.Region() + ".amazonaws.com"),
		},
	})
	s.Video.AllowOrigin(jsii.String("https://" + *s.Edge.Distribution.DistributionDomainName()))

	ordered := make([]*Function, 0, len(s.Functions))
	for _, name := range routes.Names() {
		ordered = append(ordered, s.Functions[name])
	}
	s.Operations = NewOperations(stack, "Operations", &OperationsProps{
		Functions: ordered, API: s.API.Http, Database: s.Database, DLQ: s.Video.DLQ, Stage: stage,
		AlarmEmail: props.AlarmEmail,
	})

	out := func(id string, v *string, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(desc)})
	}
	out("ApiUrl", s.API.Http.Url(), "base URL of the HTTP API (direct; browsers use SiteUrl/api)")
	out("SiteUrl", jsii.String("https://"+*s.Edge.Distribution.DistributionDomainName()), "the CloudFront distribution")
	out("UserPoolId", s.API.Users.UserPoolId(), "Cognito user pool")
	out("UserPoolClientId", s.API.Client.UserPoolClientId(), "Cognito web client")
	out("UploadsBucket", s.Video.Uploads.BucketName(), "presigned uploads land here")
	out("MediaBucket", s.Video.Media.BucketName(), "HLS renditions, served at /media/*")
	out("SiteBucket", s.Edge.Site.BucketName(), "the frontend build")
	out("MigrateFunction", s.Functions["migrate"].Fn.FunctionName(), "invoke to run migrations by hand")
	out("DashboardName", s.Operations.Dashboard.DashboardName(), "CloudWatch dashboard")

	if props.Nag {
		suppress(s)
		awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	}
	return s
}

// UploadMaxBytes is the largest answer upload (the presigned POST's
// content-length-range): 500 MB, the product's rule.
const UploadMaxBytes = 500 << 20

// transcodeImage is the transcoder's container image: its Dockerfile builds the
// bootstrap and adds a static ffmpeg. Only what the Go build reads is staged.
func transcodeImage(sourceDir string) *ImageProps {
	if sourceDir == "" {
		sourceDir = ".."
	}
	return &ImageProps{Context: sourceDir, File: "functions/transcode/Dockerfile",
		Exclude: []string{"*", "!go.mod", "!go.sum", "!shared", "!migrations", "!functions/transcode"}}
}

// WafStackName is the name of the us-east-1 stack holding the web ACL for a
// stack deployed in another region.
func WafStackName(stage Stage) string { return "CivicQ-" + string(stage) + "-waf" }

// NewWafStack creates the stack holding only the CLOUDFRONT-scoped web ACL, for
// deployments whose main stack is not in us-east-1. Its WebAclArn output goes to
// the main stack as -c webAclArn=.
func NewWafStack(scope constructs.Construct, stage Stage, account *string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(WafStackName(stage)), &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: account, Region: jsii.String(EdgeRegion)},
		Description: jsii.String("CivicQ " + string(stage) + " CloudFront WAF web ACL"),
	})
	acl := NewFirewall(stack, "Firewall")
	awscdk.NewCfnOutput(stack, jsii.String("WebAclArn"), &awscdk.CfnOutputProps{Value: acl.AttrArn()})
	return stack
}

// CheckBuild reports every function whose <buildDir>/<name>/bootstrap is missing,
// so synth fails with one readable message rather than a jsii stack trace.
func CheckBuild(buildDir string) error {
	var missing []string
	for _, name := range routes.Names() {
		st, err := os.Stat(filepath.Join(buildDir, name, "bootstrap"))
		if err != nil || !st.Mode().IsRegular() {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if abs, err := filepath.Abs(buildDir); err == nil {
		buildDir = abs
	}
	return fmt.Errorf("no bootstrap binary for %s under %s: run `make build` first",
		strings.Join(missing, ", "), buildDir)
}
