package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
)

// LogRetention is how long every function's log group keeps its events.
const LogRetention = awslogs.RetentionDays_ONE_MONTH

// FunctionTag is the cost-allocation tag naming each function (activate it once in
// the Billing console's cost allocation tags, or with `aws ce
// update-cost-allocation-tags-status`).
const FunctionTag = "civicq:function"

// FunctionProps describes one function built by `make build`.
type FunctionProps struct {
	Dir      string // folder holding the bootstrap binary
	MemoryMB int
	Timeout  int // seconds
	Summary  string
	// Network places the function in the VPC's isolated subnets with a security
	// group of its own that allows no traffic until Database.Connect,
	// Cache.Connect... open what it needs. Nil leaves it outside any VPC.
	Network *Network
	// SecurityGroup, when set (with Network), is shared with other functions of the
	// same network needs instead of one of its own (see NewSharedSecurityGroup).
	SecurityGroup *SharedSecurityGroup
	// Env is added to the function's environment.
	Env map[string]string
	// Image, when set, builds the function as a container image (for a task
	// that needs more than its bootstrap, such as the transcoder's ffmpeg)
	// instead of zipping Dir.
	Image *ImageProps
	// EphemeralMB sizes /tmp (0: Lambda's 512 MB).
	EphemeralMB int
}

// ImageProps locate a function's Dockerfile. CDK stages Context (minus Exclude)
// at synth and builds the image, for linux/arm64, when the stack is deployed.
type ImageProps struct {
	Context string   // the build context: the repository root
	File    string   // the Dockerfile, relative to Context
	Exclude []string // .dockerignore-style patterns of what the build does not need
}

// Function is one CivicQ Lambda function with its own role and log group: every
// IAM permission it has is granted to it alone. Its security group is its own, or
// shared by functions whose network paths are the same (the HTTP routes).
type Function struct {
	constructs.Construct
	Name          string
	Fn            awslambda.Function
	Role          awsiam.Role
	Logs          awslogs.LogGroup
	SecurityGroup awsec2.SecurityGroup // nil outside a VPC
	// Peer names the security group's holders in the rules that admit it.
	Peer string
}

// SharedSecurityGroup is one security group for functions that need the same
// network paths. Each HTTP route is its own function, and a group of its own costs
// about eleven CloudFormation resources (the group, its egress rules, the ingress
// rules on the proxy, Redis and the endpoints): with thirty routes the stack would
// pass CloudFormation's 500-resource limit. The rules the routes need are
// identical (the proxy on 5432, Redis on 6379, the endpoints on 443), so sharing the
// group grants no function a path it would not have had; what each may do there
// is still decided per function, by IAM (rds-db:connect per database user) and by
// its credentials.
type SharedSecurityGroup struct {
	Group awsec2.SecurityGroup
	Peer  string // e.g. "CivicQ API functions"
}

// NewSharedSecurityGroup creates a security group in the network that allows no
// traffic until Database.Connect, Cache.Connect... open what its functions need.
func NewSharedSecurityGroup(scope constructs.Construct, id string, network *Network, peer string) *SharedSecurityGroup {
	sg := awsec2.NewSecurityGroup(scope, jsii.String(id), &awsec2.SecurityGroupProps{
		Vpc:              network.Vpc,
		AllowAllOutbound: jsii.Bool(false),
		Description:      jsii.String(peer + ": egress only where granted"),
	})
	return &SharedSecurityGroup{Group: sg, Peer: peer}
}

// NewFunction creates the function named name (its routes.Table or routes.Tasks
// name): a Go binary on provided.al2023 arm64, logging to a log group with
// LogRetention, tagged FunctionTag=name.
func NewFunction(scope constructs.Construct, name string, props *FunctionProps) *Function {
	c := constructs.NewConstruct(scope, jsii.String(name))
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: LogRetention,
	})
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("CivicQ function " + name),
	})
	// Logs go to its own group only (no AWSLambdaBasicExecutionRole, which allows
	// writing to any log group).
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   &[]*string{jsii.String("logs:CreateLogStream"), jsii.String("logs:PutLogEvents")},
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	env := map[string]*string{
		"FUNCTION_NAME":     jsii.String(name),
		"METRICS_NAMESPACE": jsii.String(MetricsNamespace),
	}
	// The collector's settings for a small live heap in a fixed memory size
	// (routes.GOGC says why).
	for k, v := range routes.GCEnv(props.MemoryMB) {
		env[k] = jsii.String(v)
	}
	for k, v := range props.Env {
		env[k] = jsii.String(v)
	}
	fp := &awslambda.FunctionProps{
		Description:  jsii.String(props.Summary),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(props.Dir), nil),
		MemorySize:   jsii.Number(props.MemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(props.Timeout)),
		LogGroup:     logs,
		Role:         role,
		Environment:  &env,
	}
	if im := props.Image; im != nil {
		excl := make([]*string, len(im.Exclude))
		for i, e := range im.Exclude {
			excl[i] = jsii.String(e)
		}
		fp.Runtime = awslambda.Runtime_FROM_IMAGE()
		fp.Handler = awslambda.Handler_FROM_IMAGE()
		fp.Code = awslambda.Code_FromAssetImage(jsii.String(im.Context), &awslambda.AssetImageCodeProps{
			File: jsii.String(im.File), Exclude: &excl, IgnoreMode: awscdk.IgnoreMode_DOCKER,
			Platform: awsecrassets.Platform_LINUX_ARM64(),
		})
	}
	if props.EphemeralMB > 0 {
		fp.EphemeralStorageSize = awscdk.Size_Mebibytes(jsii.Number(props.EphemeralMB))
	}
	f := &Function{Construct: c, Name: name, Role: role, Logs: logs, Peer: "CivicQ function " + name}
	if props.Network != nil {
		if props.SecurityGroup != nil {
			f.SecurityGroup, f.Peer = props.SecurityGroup.Group, props.SecurityGroup.Peer
		} else {
			f.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("SG"), &awsec2.SecurityGroupProps{
				Vpc:              props.Network.Vpc,
				AllowAllOutbound: jsii.Bool(false),
				Description:      jsii.String("CivicQ function " + name + ": egress only where granted"),
			})
		}
		// Rules are keyed by peer and port: a shared group gets each one once.
		for _, ep := range props.Network.Endpoints {
			ep.Connections().AllowDefaultPortFrom(f.SecurityGroup, jsii.String(f.Peer))
		}
		fp.Vpc = props.Network.Vpc
		fp.VpcSubnets = props.Network.Subnets
		fp.SecurityGroups = &[]awsec2.ISecurityGroup{f.SecurityGroup}
		// Creating and deleting its network interfaces; AWS's managed policy is the
		// documented minimum (the ec2 actions take no resource restriction).
		role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(
			jsii.String("service-role/AWSLambdaVPCAccessExecutionRole")))
	}
	f.Fn = awslambda.NewFunction(c, jsii.String("Fn"), fp)
	awscdk.Tags_Of(c).Add(jsii.String(FunctionTag), jsii.String(name), nil)
	return f
}
