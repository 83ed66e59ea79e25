package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
)

// Groups are the Cognito groups a user can be put in; the token's cognito:groups
// claim carries them to the functions.
var Groups = []string{"residents", "candidates", "moderators", "city_admins"}

// Throttling of the API's default stage (every route): steady requests per second
// and burst. The election-night target is thousands of votes per second.
const (
	ThrottleRate  = 5000
	ThrottleBurst = 2000
)

// APIProps lists the route functions, by route-table name.
type APIProps struct {
	Functions map[string]*Function
	Stage     Stage
}

// API is the HTTP API (one route per routes.Table row, payload 2.0) and the Cognito
// user pool whose tokens its JWT authorizer accepts on caller routes.
type API struct {
	constructs.Construct
	Http   awsapigatewayv2.HttpApi
	Users  awscognito.UserPool
	Client awscognito.UserPoolClient
}

// NewAPI creates the user pool, its web client and groups, and the HTTP API.
func NewAPI(scope constructs.Construct, id string, props *APIProps) *API {
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := awscdk.RemovalPolicy_DESTROY
	if props.Stage == Prod {
		removal = awscdk.RemovalPolicy_RETAIN // residents' accounts outlive a stack
	}
	users := awscognito.NewUserPool(c, jsii.String("Users"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(true),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   awscognito.AccountRecovery_EMAIL_ONLY,
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
		},
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		RemovalPolicy:   removal,
	})
	web := users.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
		// USER_PASSWORD_AUTH is the flow the web app (and cognito-local) uses: the
		// password goes to Cognito over TLS, never to CivicQ.
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true), UserPassword: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
	})
	for _, g := range Groups {
		awscognito.NewCfnUserPoolGroup(c, jsii.String("Group-"+g), &awscognito.CfnUserPoolGroupProps{
			UserPoolId: users.UserPoolId(), GroupName: jsii.String(g),
		})
	}
	// The authorizer only becomes a resource once a route uses it.
	authorizer := awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Caller"), users,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{web},
		})

	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Http"), &awsapigatewayv2.HttpApiProps{
		Description: jsii.String("CivicQ API: one route per row of shared/routes"),
	})
	accessLogs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: LogRetention})
	stage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(ThrottleRate),
		ThrottlingBurstLimit: jsii.Number(ThrottleBurst),
	})
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format: jsii.String(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
			`"time":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status",` +
			`"latency":"$context.responseLatency","integrationLatency":"$context.integrationLatency",` +
			`"error":"$context.error.message","integrationError":"$context.integrationErrorMessage"}`),
	})
	for _, r := range routes.Table {
		fn := props.Functions[r.Name]
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
	return &API{Construct: c, Http: api, Users: users, Client: web}
}
