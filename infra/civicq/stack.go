// Package civicq is CivicQ's CDK stack: one Lambda function per row of the route
// table (shared/routes) and per task, and an HTTP API with one route per row. The
// app in infra/main.go and the template tests both build it from here.
package civicq

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
)

// DefaultBuildDir is where `make build` leaves build/<name>/bootstrap, relative to
// infra/, where the app is run (`go run .`).
const DefaultBuildDir = "../build"

// LogRetention is how long every function's log group keeps its events.
const LogRetention = awslogs.RetentionDays_ONE_MONTH

// CivicQStackProps configures the stack.
type CivicQStackProps struct {
	awscdk.StackProps
	// BuildDir holds one folder per function with its bootstrap binary
	// (<BuildDir>/<name>/bootstrap). Empty means DefaultBuildDir.
	BuildDir string
}

// NewCivicQStack builds the stack. It panics with a plain message when a function's
// binary is missing; callers that want an error instead call CheckBuild first.
func NewCivicQStack(scope constructs.Construct, id string, props *CivicQStackProps) awscdk.Stack {
	var sprops awscdk.StackProps
	buildDir := DefaultBuildDir
	if props != nil {
		sprops = props.StackProps
		if props.BuildDir != "" {
			buildDir = props.BuildDir
		}
	}
	if err := CheckBuild(buildDir); err != nil {
		panic(err)
	}
	stack := awscdk.NewStack(scope, &id, &sprops)

	// Callers sign in with Cognito; routes whose Access is not public get a JWT
	// authorizer on this pool. The Cognito issue fills out the pool (groups for
	// candidates and moderators, domains, email); the API only needs its issuer and
	// the web client as audience.
	users := awscognito.NewUserPool(stack, jsii.String("Users"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(true),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   awscognito.AccountRecovery_EMAIL_ONLY,
	})
	web := users.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
		AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
	})
	// The authorizer only becomes a resource once a route uses it.
	authorizer := awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Caller"), users,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{web},
		})

	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description: jsii.String("CivicQ API: one route per row of shared/routes"),
	})
	for _, r := range routes.Table {
		fn := NewFunction(stack, r.Name, &FunctionProps{
			Dir: filepath.Join(buildDir, r.Name), MemoryMB: r.MemoryMB, Timeout: r.Timeout, Summary: r.Summary,
		})
		opts := &awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(r.Name), fn.Fn, nil),
		}
		if r.NeedsCaller() {
			opts.Authorizer = authorizer
		}
		api.AddRoutes(opts)
	}
	for _, t := range routes.Tasks {
		// Their triggers (the migrate custom resource, the SQS event source) come with
		// the database and media issues.
		NewFunction(stack, t.Name, &FunctionProps{
			Dir: filepath.Join(buildDir, t.Name), MemoryMB: t.MemoryMB, Timeout: t.Timeout, Summary: t.Summary,
		})
	}

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value: api.Url(), Description: jsii.String("base URL of the HTTP API"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: users.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: web.UserPoolClientId()})
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

// FunctionProps describes one function built by `make build`.
type FunctionProps struct {
	Dir      string // folder holding the bootstrap binary
	MemoryMB int
	Timeout  int // seconds
	Summary  string
}

// Function is one CivicQ Lambda function with its own log group.
type Function struct {
	constructs.Construct
	Fn   awslambda.Function
	Logs awslogs.LogGroup
}

// NewFunction creates the function named name (its routes.Table or routes.Tasks
// name): a Go binary on provided.al2023 arm64, logging to a log group with
// LogRetention.
func NewFunction(scope constructs.Construct, name string, props *FunctionProps) *Function {
	c := constructs.NewConstruct(scope, jsii.String(name))
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: LogRetention,
	})
	fn := awslambda.NewFunction(c, jsii.String("Fn"), &awslambda.FunctionProps{
		Description:  jsii.String(props.Summary),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(props.Dir), nil),
		MemorySize:   jsii.Number(props.MemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(props.Timeout)),
		LogGroup:     logs,
		// Plain configuration; the database, cache and bucket issues add their
		// endpoints here.
		Environment: &map[string]*string{
			"FUNCTION_NAME": jsii.String(name),
		},
	})
	return &Function{Construct: c, Fn: fn, Logs: logs}
}
