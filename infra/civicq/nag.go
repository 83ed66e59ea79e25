package civicq

import (
	"strings"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/civicq/civicq/shared/routes"
)

// suppress records, with its reason, every cdk-nag AwsSolutions finding the stack
// accepts. Each is scoped to the resources it is about.
func suppress(s *Stack) {
	one := func(scope any, id, reason string, appliesTo ...string) {
		sup := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
		if len(appliesTo) > 0 {
			a := make([]any, len(appliesTo))
			for i, x := range appliesTo {
				a[i] = x
			}
			sup.AppliesTo = &a
		}
		cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{sup}, jsii.Bool(true))
	}

	if s.stage != Prod {
		one(s.Database.Cluster, "AwsSolutions-RDS10",
			"dev only: a dev stack must be deletable by `cdk destroy`; prod sets deletion protection")
	}
	for _, sec := range s.Database.UserSecrets {
		one(sec, "AwsSolutions-SMG4", "the writer/reader users' passwords are set in Postgres by the migrate "+
			"function from these secrets on every deploy; Secrets Manager rotation would change a secret between "+
			"deploys and desynchronise the proxy from the database. Rotate by changing the secret and deploying "+
			"(or invoking the migrate function)")
	}
	one(s.Cache.Construct, "AwsSolutions-SMG4", "ElastiCache user passwords are set from these secrets by CloudFormation; "+
		"Secrets Manager rotation would change the secret without changing the ElastiCache user. Rotate by "+
		"redeploying with a new secret, or move to IAM auth for ElastiCache")
	for _, f := range s.Functions {
		one(f.Role, "AwsSolutions-IAM4", "AWSLambdaVPCAccessExecutionRole is AWS's minimum for a function in a "+
			"VPC (create/describe/delete its network interfaces, which take no resource restriction)",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
	}
	one(s.Functions["transcode"].Role, "AwsSolutions-IAM5", "the transcoder reads any answer upload (keys are "+
		"uploads/<city>/<answer>/<random>) and writes renditions under media/: object wildcards under those "+
		"prefixes, no bucket-level action", "Resource::<VideoUploads1D22C11B.Arn>/uploads/*", "Resource::<VideoMediaC783BAEA.Arn>/media/*")
	for _, r := range routes.Table {
		if r.Uploads {
			one(s.Functions[r.Name].Role, "AwsSolutions-IAM5", "presigned POSTs act with the signer's rights: "+
				"PutObject on answer upload keys (a fresh random key per upload under uploads/), bound to one key "+
				"each by the POST policy", "Resource::<VideoUploads1D22C11B.Arn>/uploads/*")
		}
	}
	one(s.API.Users, "AwsSolutions-COG8", "Cognito threat protection needs the Plus feature plan (per-MAU "+
		"price); abuse is limited by the WAF rate rule, API throttling and per-user rate limits for now")
	one(s.Edge.Distribution, "AwsSolutions-CFR4", "the distribution uses the default *.cloudfront.net "+
		"certificate, whose security policy CloudFront fixes; a custom domain with an ACM certificate will "+
		"set TLSv1.2_2021")
	for _, r := range routes.Table {
		if r.NeedsCaller() {
			continue
		}
		route := s.API.Http.Node().TryFindChild(jsii.String(r.Method + pathID(r.Path)))
		if route == nil {
			panic("no API route construct for " + r.Name)
		}
		{
			one(route, "AwsSolutions-APIG4", "public by design (routes.Public): ballot information and "+
				"questions are readable by anyone and cached by CloudFront; caller routes use the JWT authorizer")
		}
	}
	provider := s.Node().TryFindChild(jsii.String("Migrations"))
	one(provider, "AwsSolutions-IAM4", "CDK's custom-resource Provider framework function: its role uses "+
		"AWSLambdaBasicExecutionRole as CDK builds it",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	one(provider, "AwsSolutions-IAM5", "CDK's Provider framework may invoke the migrate function and its "+
		"versions (<arn>:*); it can invoke nothing else")
	one(provider, "AwsSolutions-L1", "CDK's Provider framework function; its Node.js runtime is chosen by "+
		"the CDK version")
	for _, c := range *s.Node().Children() {
		id := *c.Node().Id()
		if strings.HasPrefix(id, "BucketNotificationsHandler") {
			one(c, "AwsSolutions-IAM4", "CDK's S3 bucket-notifications handler (configures the uploads "+
				"bucket's notification at deploy); its role is built by CDK",
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		}
		if strings.HasPrefix(id, "Custom::CDKBucketDeployment") {
			// Present when web/dist was built before synth (edge.go, deploySite).
			one(c, "AwsSolutions-IAM4", "CDK's BucketDeployment function (copies web/dist to the site bucket "+
				"at deploy); its role is built by CDK",
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
			one(c, "AwsSolutions-IAM5", "CDK's BucketDeployment grants: read the CDK asset bucket's objects, "+
				"write and prune the site bucket's objects (bucket/*), and create the CloudFront invalidation "+
				"(CloudFront's invalidation actions are granted on *)",
				"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*",
				"Action::s3:DeleteObject*", "Resource::*",
				"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
				"Resource::<EdgeSite1C882D16.Arn>/*")
			one(c, "AwsSolutions-L1", "CDK's BucketDeployment function; its Python runtime is chosen by the "+
				"CDK version")
		}
	}
}

// pathID is how the HTTP API names a route's construct: the path with / as --.
func pathID(path string) string {
	out := []byte{}
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, '-', '-')
		} else {
			out = append(out, path[i])
		}
	}
	return string(out)
}
