package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Network is the VPC the functions, the database and the cache share. It has only
// private isolated subnets: nothing in it is reachable from the internet and nothing
// in it reaches the internet. AWS APIs the functions call are reached through
// endpoints (S3 through a gateway endpoint, SQS and Secrets Manager through interface
// endpoints), so no NAT gateway is needed.
type Network struct {
	constructs.Construct
	Vpc awsec2.Vpc
	// Subnets selects the isolated subnets (two availability zones).
	Subnets *awsec2.SubnetSelection
	// SecretsEndpoint is the Secrets Manager interface endpoint (used by the
	// database's rotation function).
	SecretsEndpoint awsec2.InterfaceVpcEndpoint
	// Endpoints lists the interface endpoints; functions that call their services
	// are allowed to reach them on 443.
	Endpoints []awsec2.InterfaceVpcEndpoint
}

// NewNetwork creates the VPC, its flow log and its endpoints.
func NewNetwork(scope constructs.Construct, id string) *Network {
	c := constructs.NewConstruct(scope, jsii.String(id))
	isolated := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	vpc := awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2), // Aurora and ElastiCache Serverless both want two AZs
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(22)},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	// Rejected traffic only: enough to debug a security group, cheap to keep.
	flowLogs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{Retention: LogRetention})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
		TrafficType: awsec2.FlowLogTrafficType_REJECT,
	})
	vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{isolated},
	})
	n := &Network{Construct: c, Vpc: vpc, Subnets: isolated}
	for _, e := range []struct {
		id  string
		svc awsec2.InterfaceVpcEndpointAwsService
	}{
		{"Sqs", awsec2.InterfaceVpcEndpointAwsService_SQS()},
		{"SecretsManager", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()},
	} {
		ep := vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.svc,
			Subnets:           isolated,
			PrivateDnsEnabled: jsii.Bool(true),
			// Open: 443 from inside the VPC only (the VPC has no other way in).
			Open: jsii.Bool(true),
		})
		n.Endpoints = append(n.Endpoints, ep)
		if e.id == "SecretsManager" {
			n.SecretsEndpoint = ep
		}
	}
	return n
}

// anys converts a list of strings for the L1 properties typed []interface{}.
func anys(ss *[]*string) *[]interface{} {
	out := make([]interface{}, len(*ss))
	for i, s := range *ss {
		out[i] = s
	}
	return &out
}
