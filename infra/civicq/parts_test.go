package civicq

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
)

// hasTag reports whether a resource's Tags list has key=value.
func hasTag(p map[string]any, key, value string) bool {
	tags, _ := p["Tags"].([]any)
	for _, t := range tags {
		m, _ := t.(map[string]any)
		if m["Key"] == key && m["Value"] == value {
			return true
		}
	}
	return false
}

// js renders a template fragment as JSON, for "does it mention X" checks.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// logicalID finds the one resource of a type whose logical ID starts with prefix.
func logicalID(t *testing.T, typ, prefix string) string {
	t.Helper()
	for id := range ofType(typ) {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no %s named %s*", typ, prefix)
	return ""
}

func envOf(t *testing.T, name string) map[string]any {
	t.Helper()
	p := ofType("AWS::Lambda::Function")[functions(t)[name]]
	env, _ := p["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// TestDatabaseOnlyThroughProxy: the proxy requires TLS and IAM, its read-only
// endpoint exists, every function's DSNs point at a proxy endpoint (never at the
// cluster), and only the proxy (and the rotation function) may reach the cluster.
func TestDatabaseOnlyThroughProxy(t *testing.T) {
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::RDS::DBProxy"), map[string]any{
			"RequireTLS": true, "EngineFamily": "POSTGRESQL",
			"Auth": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"IAMAuth": "REQUIRED"})}),
		})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::RDS::DBProxyEndpoint"), map[string]any{"TargetRole": "READ_ONLY"})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::RDS::DBCluster"), map[string]any{
			"Engine": "aurora-postgresql", "StorageEncrypted": true, "BackupRetentionPeriod": 7,
			"EnableIAMDatabaseAuthentication":  true,
			"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 0.5, "MaxCapacity": 4},
		})
	})
	assert(t, func() { template.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(2)) })
	proxy := logicalID(t, "AWS::RDS::DBProxy", "DatabaseClusterProxy")
	endpoint := logicalID(t, "AWS::RDS::DBProxyEndpoint", "DatabaseReadOnly")
	cluster := logicalID(t, "AWS::RDS::DBCluster", "DatabaseCluster")
	for _, name := range routes.Names() {
		vars := envOf(t, name)
		url := js(vars["DATABASE_URL"])
		if !strings.Contains(url, `"`+proxy+`","Endpoint"`) {
			t.Errorf("%s: DATABASE_URL %s is not the proxy's endpoint", name, url)
		}
		for k, v := range vars {
			if strings.Contains(js(v), cluster) {
				t.Errorf("%s: %s refers to the cluster itself: %s", name, k, js(v))
			}
		}
		r, isRoute := routes.ByName(name)
		read := js(vars["DATABASE_READ_URL"])
		switch {
		case isRoute && r.DB == routes.DBRead:
			if !strings.Contains(read, `"`+endpoint+`","Endpoint"`) {
				t.Errorf("%s: DATABASE_READ_URL %s is not the read-only endpoint", name, read)
			}
			if vars["DB_USER"] != DBReaderUser || !strings.Contains(url, DBReaderUser+"@") {
				t.Errorf("%s: a read route must connect as %s: DB_USER %v, %s", name, DBReaderUser, vars["DB_USER"], url)
			}
		case vars["DATABASE_READ_URL"] != nil:
			t.Errorf("%s: DATABASE_READ_URL set on a function that writes", name)
		}
	}
	// The cluster's security group admits the proxy and the rotation function only.
	clusterSG := logicalID(t, "AWS::EC2::SecurityGroup", "DatabaseClusterSG")
	fnSGs := map[string]bool{}
	for _, name := range routes.Names() {
		vpc, _ := ofType("AWS::Lambda::Function")[functions(t)[name]]["VpcConfig"].(map[string]any)
		fnSGs[js(vpc["SecurityGroupIds"])] = true
	}
	for id, p := range ofType("AWS::EC2::SecurityGroupIngress") {
		if !strings.Contains(js(p["GroupId"]), clusterSG) {
			continue
		}
		src := js(p["SourceSecurityGroupId"])
		if !strings.Contains(src, "DatabaseProxySG") && !strings.Contains(src, "Rotation") {
			t.Errorf("cluster ingress %s from %s: only the proxy may reach the cluster", id, src)
		}
	}
}

// TestLeastPrivilege: read routes may connect as the reader only and hold no write
// permission on anything; every grant of rds-db:connect names one user.
func TestLeastPrivilege(t *testing.T) {
	roles := map[string]string{} // role logical ID → function name
	for name, id := range functions(t) {
		role := ofType("AWS::Lambda::Function")[id]["Role"]
		attr, _ := role.(map[string]any)["Fn::GetAtt"].([]any)
		if len(attr) == 2 {
			roles[attr[0].(string)] = name
		}
	}
	if len(roles) != len(routes.Names()) {
		t.Fatalf("%d roles for %d functions: every function needs its own", len(roles), len(routes.Names()))
	}
	allowedRead := map[string]bool{"logs:CreateLogStream": true, "logs:PutLogEvents": true, "rds-db:connect": true}
	for id, p := range ofType("AWS::IAM::Policy") {
		for _, ref := range p["Roles"].([]any) {
			name, ok := roles[fmt.Sprint(ref.(map[string]any)["Ref"])]
			if !ok {
				continue
			}
			r, isRoute := routes.ByName(name)
			doc := p["PolicyDocument"].(map[string]any)
			for _, st := range doc["Statement"].([]any) {
				st := st.(map[string]any)
				actions := []string{}
				switch a := st["Action"].(type) {
				case string:
					actions = append(actions, a)
				case []any:
					for _, x := range a {
						actions = append(actions, x.(string))
					}
				}
				for _, a := range actions {
					if a == "rds-db:connect" {
						want := DBUser(r.DB)
						if !isRoute {
							want = DBAdminUser // migrate owns the schema
							if name == "transcode" {
								want = DBWriterUser
							}
						}
						if res := js(st["Resource"]); !strings.Contains(res, "/"+want+`"`) || strings.Count(res, "dbuser:") != 1 {
							t.Errorf("%s (%s): rds-db:connect on %s, want user %s only", name, id, res, want)
						}
					}
					if isRoute && r.DB == routes.DBRead && !allowedRead[a] {
						t.Errorf("read route %s holds %s", name, a)
					}
				}
			}
		}
	}
}

func TestNoBucketIsPublic(t *testing.T) {
	buckets := ofType("AWS::S3::Bucket")
	if len(buckets) < 4 { // uploads, media, site, access logs
		t.Errorf("%d buckets, want at least 4", len(buckets))
	}
	for id, p := range buckets {
		block, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if block[k] != true {
				t.Errorf("bucket %s: %s is %v", id, k, block[k])
			}
		}
	}
	for id, p := range ofType("AWS::S3::BucketPolicy") {
		if !strings.Contains(js(p), `"aws:SecureTransport":"false"`) {
			t.Errorf("bucket policy %s does not deny plain HTTP", id)
		}
		if strings.Contains(js(p), `"Principal":"*","Resource"`) && strings.Contains(js(p), `"Effect":"Allow","Principal":"*"`) {
			t.Errorf("bucket policy %s allows everyone", id)
		}
	}
}

// TestVideoPipeline: uploads expire, accept presigned PUTs from the site, and notify
// the queue, whose dead letters go to the DLQ after 3 receives.
func TestVideoPipeline(t *testing.T) {
	uploads := ofType("AWS::S3::Bucket")[logicalID(t, "AWS::S3::Bucket", "VideoUploads")]
	if !strings.Contains(js(uploads["LifecycleConfiguration"]), fmt.Sprintf(`"ExpirationInDays":%d`, UploadExpiry)) {
		t.Errorf("uploads lifecycle %s: want expiry after %d days", js(uploads["LifecycleConfiguration"]), UploadExpiry)
	}
	cors := js(uploads["CorsConfiguration"])
	if !strings.Contains(cors, `"PUT"`) || !strings.Contains(cors, "EdgeDistribution") {
		t.Errorf("uploads CORS %s: want PUT from the distribution's origin", cors)
	}
	dlq := logicalID(t, "AWS::SQS::Queue", "VideoDLQ")
	queue := ofType("AWS::SQS::Queue")[logicalID(t, "AWS::SQS::Queue", "VideoQueue")]
	if rp := js(queue["RedrivePolicy"]); !strings.Contains(rp, `"maxReceiveCount":3`) || !strings.Contains(rp, dlq) {
		t.Errorf("queue RedrivePolicy %s: want the DLQ after 3 receives", rp)
	}
	assert(t, func() {
		template.HasResourceProperties(jsii.String("Custom::S3BucketNotifications"), map[string]any{
			"NotificationConfiguration": map[string]any{"QueueConfigurations": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Events": []any{"s3:ObjectCreated:*"}}),
			})},
		})
	})
}

// TestTranscodeEventSource builds the video construct with a stand-in transcoder
// and checks the wiring it gets: the queue as its event source, batch size 1,
// partial batch failures, a visibility timeout of six times its timeout, and S3
// rights on the upload and media keys only.
func TestTranscodeEventSource(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &flags, Outdir: jsii.String(filepath.Join(buildDir, "video.out"))})
	stack := awscdk.NewStack(app, jsii.String("VideoOnly"), nil)
	fn := awslambda.NewFunction(stack, jsii.String("StandIn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"),
		Code: awslambda.Code_FromAsset(jsii.String(filepath.Join(buildDir, "health")), nil),
	})
	NewVideo(stack, "Video", &VideoProps{Stage: Dev, Transcode: fn, TranscodeTimeout: awscdk.Duration_Minutes(jsii.Number(10))})
	tpl := assertions.Template_FromStack(stack, nil)
	assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"BatchSize": 1, "FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		})
	})
	assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{"VisibilityTimeout": 3600})
	})
	policy := js(tpl.FindResources(jsii.String("AWS::IAM::Policy"), nil))
	// sqs:ChangeMessageVisibility (from the event source's grant) lets the
	// transcoder bring a failed message back after a backoff (shared/requeue).
	for _, want := range []string{`"s3:GetObject"`, `/uploads/*"`, `"s3:PutObject"`, `/media/*"`, `"sqs:ChangeMessageVisibility"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("transcoder policy %s: want %s", policy, want)
		}
	}
	if strings.Contains(policy, "s3:List") || strings.Contains(policy, "s3:Delete") {
		t.Errorf("transcoder policy %s: more than it needs", policy)
	}
}

// TestTranscodeFunction: the real transcoder is a container image built from
// functions/transcode/Dockerfile, fed by the uploads queue, sized from the ladder
// benchmark, with the buckets in its environment and the writer's database user.
func TestTranscodeFunction(t *testing.T) {
	id := functions(t)["transcode"]
	p := ofType("AWS::Lambda::Function")[id]
	if p["PackageType"] != "Image" {
		t.Errorf("transcode PackageType %v, want Image", p["PackageType"])
	}
	if got := js(p["EphemeralStorage"]); !strings.Contains(got, `"Size":4096`) {
		t.Errorf("transcode EphemeralStorage %s, want 4096 MB", got)
	}
	vars := envOf(t, "transcode")
	for _, k := range []string{"UPLOADS_BUCKET", "MEDIA_BUCKET", "UPLOAD_MAX_BYTES", "DATABASE_URL", "REDIS_ADDR"} {
		if vars[k] == nil {
			t.Errorf("transcode: no %s in its environment", k)
		}
	}
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"BatchSize": 1, "FunctionResponseTypes": []any{"ReportBatchItemFailures"},
			"FunctionName": map[string]any{"Ref": id},
		})
	})
	for _, task := range routes.Tasks {
		if task.Name == "transcode" {
			queue := ofType("AWS::SQS::Queue")[logicalID(t, "AWS::SQS::Queue", "VideoQueue")]
			if got := queue["VisibilityTimeout"]; got != float64(6*task.Timeout) {
				t.Errorf("queue VisibilityTimeout %v, want 6 x the transcoder's %d s", got, task.Timeout)
			}
		}
	}
	// The image's build context is staged with what the Go build reads, and no more.
	docker, _ := filepath.Glob(filepath.Join(buildDir, "cdk.out", "asset.*", "functions", "transcode", "Dockerfile"))
	if len(docker) != 1 {
		t.Fatalf("staged transcode Dockerfiles: %v, want one", docker)
	}
	ctxDir := filepath.Dir(filepath.Dir(filepath.Dir(docker[0])))
	for _, need := range []string{"go.mod", "go.sum", "shared/media/transcode.go", "functions/transcode/main.go"} {
		if _, err := os.Stat(filepath.Join(ctxDir, need)); err != nil {
			t.Errorf("image context lacks %s", need)
		}
	}
	for _, not := range []string{"infra", "build", "README.md", "functions/get-ballot", "events"} {
		if _, err := os.Stat(filepath.Join(ctxDir, not)); err == nil {
			t.Errorf("image context holds %s, which the build does not need", not)
		}
	}
	up := envOf(t, "request-answer-upload")
	if up["UPLOADS_BUCKET"] == nil || up["UPLOAD_MAX_BYTES"] != fmt.Sprint(UploadMaxBytes) {
		t.Errorf("request-answer-upload env: UPLOADS_BUCKET %v UPLOAD_MAX_BYTES %v", up["UPLOADS_BUCKET"], up["UPLOAD_MAX_BYTES"])
	}
}

func TestCache(t *testing.T) {
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ElastiCache::ServerlessCache"), map[string]any{
			"Engine": "redis", "UserGroupId": assertions.Match_AnyValue(),
		})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ElastiCache::User"), map[string]any{
			"UserName": "default", "AccessString": "off -@all",
		})
	})
	for _, r := range routes.Table {
		vars := envOf(t, r.Name)
		if r.Cache && (vars["REDIS_TLS"] != "true" || vars["REDIS_ADDR"] == nil || vars["REDIS_USERNAME"] != CacheUser) {
			t.Errorf("%s: Redis env %v %v %v", r.Name, vars["REDIS_ADDR"], vars["REDIS_TLS"], vars["REDIS_USERNAME"])
		}
	}
}

// TestMigrationsRunBeforeTheAPI: the migrate function is a custom resource's
// handler, the resource changes with the migrations, and every route function
// waits for it.
func TestMigrationsRunBeforeTheAPI(t *testing.T) {
	res := ofType("Custom::CivicQMigrations")
	if len(res) != 1 {
		t.Fatalf("%d migrations resources, want 1", len(res))
	}
	var id string
	for k, p := range res {
		id = k
		if h, _ := p["MigrationsHash"].(string); len(h) != 16 {
			t.Errorf("MigrationsHash %v", p["MigrationsHash"])
		}
	}
	fns := functions(t)
	for _, r := range routes.Table {
		if !strings.Contains(js(tmpl.Resources[fns[r.Name]].DependsOn), id) {
			t.Errorf("%s does not depend on %s", r.Name, id)
		}
	}
	// The provider's onEvent handler is the migrate function.
	found := false
	for _, p := range ofType("AWS::Lambda::Function") {
		if strings.Contains(js(p["Environment"]), `"USER_ON_EVENT_FUNCTION_ARN"`) &&
			strings.Contains(js(p["Environment"]), fns["migrate"]) {
			found = true
		}
	}
	if !found {
		t.Error("no provider framework function invoking the migrate function")
	}
}

func TestApiThrottleAndCognito(t *testing.T) {
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName": "$default",
			"DefaultRouteSettings": map[string]any{
				"ThrottlingRateLimit": ThrottleRate, "ThrottlingBurstLimit": ThrottleBurst,
			},
			"AccessLogSettings": assertions.Match_ObjectLike(&map[string]any{}),
		})
	})
	for _, g := range Groups {
		assert(t, func() {
			template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{"GroupName": g})
		})
	}
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]any{"AuthorizerType": "JWT"})
	})
}

// TestEdge: one distribution; the site and /media/* through OAC; /api/* to the
// HTTP API with the Authorization-keyed policy; caller GETs never cached; security
// headers; the WAF with its rate rule.
func TestEdge(t *testing.T) {
	assert(t, func() { template.ResourceCountIs(jsii.String("AWS::CloudFront::Distribution"), jsii.Number(1)) })
	assert(t, func() { template.ResourceCountIs(jsii.String("AWS::CloudFront::OriginAccessControl"), jsii.Number(2)) })
	var dist map[string]any
	for _, p := range ofType("AWS::CloudFront::Distribution") {
		dist = p["DistributionConfig"].(map[string]any)
	}
	if dist["WebACLId"] == nil {
		t.Error("distribution has no WAF web ACL")
	}
	behaviors := map[string]map[string]any{}
	for _, b := range dist["CacheBehaviors"].([]any) {
		b := b.(map[string]any)
		behaviors[b["PathPattern"].(string)] = b
	}
	const cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	apiPolicy := logicalID(t, "AWS::CloudFront::CachePolicy", "EdgeApiCache")
	if b := behaviors["/api/*"]; b == nil || !strings.Contains(js(b["CachePolicyId"]), apiPolicy) {
		t.Errorf("/api/* behaviour %v: want the API cache policy", b)
	}
	if b := behaviors["/media/*"]; b == nil {
		t.Error("no /media/* behaviour")
	}
	for _, r := range routes.Table {
		if r.NeedsCaller() && r.Method == "GET" {
			if b := behaviors[pathPattern(r.Path)]; b == nil || b["CachePolicyId"] != cachingDisabled {
				t.Errorf("%s: caller GET %s is not behind CachingDisabled: %v", r.Name, pathPattern(r.Path), b)
			}
		}
	}
	pol := ofType("AWS::CloudFront::CachePolicy")[apiPolicy]
	if s := js(pol); !strings.Contains(s, `"Headers":["Authorization"]`) || !strings.Contains(s, `"DefaultTTL":0`) {
		t.Errorf("API cache policy %s: want Authorization in the key and default TTL 0", s)
	}
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), map[string]any{
			"ResponseHeadersPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
				"SecurityHeadersConfig": assertions.Match_ObjectLike(&map[string]any{
					"ContentSecurityPolicy":   assertions.Match_ObjectLike(&map[string]any{}),
					"StrictTransportSecurity": assertions.Match_ObjectLike(&map[string]any{"IncludeSubdomains": true}),
					"FrameOptions":            map[string]any{"FrameOption": "DENY", "Override": true},
					"ContentTypeOptions":      map[string]any{"Override": true},
				}),
			}),
		})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
			"Scope": "CLOUDFRONT",
			"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Statement": map[string]any{"RateBasedStatement": map[string]any{"Limit": RateLimitPer5Min, "AggregateKeyType": "IP"}},
			})}),
		})
	})
	// Environment-agnostic: the template refuses regions other than us-east-1.
	if _, ok := tmpl.Rules["EdgeRegion"]; !ok {
		t.Error("no EdgeRegion rule in an environment-agnostic template")
	}
}

func TestOperations(t *testing.T) {
	assert(t, func() { template.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1)) })
	var body string
	for _, p := range ofType("AWS::CloudWatch::Dashboard") {
		body = js(p["DashboardBody"])
	}
	for _, name := range routes.Names() {
		if !strings.Contains(body, name+": cold starts") || !strings.Contains(body, name+": p95 duration") {
			t.Errorf("dashboard has no row for %s", name)
		}
	}
	if !strings.Contains(body, `\"ColdStart\",\"Function\"`) {
		t.Error("dashboard does not graph the ColdStart EMF metric by Function")
	}
	want := map[string]float64{ // metric → threshold
		"5xx": 5, "Latency": 1000, "DatabaseConnections": 0.8 * maxConnections(4),
		"ApproximateNumberOfMessagesVisible": 0, "DatabaseConnectionsCurrentlySessionPinned": 0,
	}
	alarms := ofType("AWS::CloudWatch::Alarm")
	for metric, threshold := range want {
		found := false
		for _, p := range alarms {
			if strings.Contains(js(p), `"MetricName":"`+metric+`"`) && p["Threshold"] == threshold && p["AlarmActions"] != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("no alarm on %s above %v with an action", metric, threshold)
		}
	}
}

// TestRouteFunctionsShareOneSecurityGroup: the HTTP routes share one security group
// (their network paths are the same), so each route costs seven resources, not
// eighteen, and the stack stays far under CloudFormation's 500; tasks keep their own.
func TestRouteFunctionsShareOneSecurityGroup(t *testing.T) {
	groups := map[string]bool{}
	fns := functions(t)
	for _, r := range routes.Table {
		vpc, _ := ofType("AWS::Lambda::Function")[fns[r.Name]]["VpcConfig"].(map[string]any)
		groups[js(vpc["SecurityGroupIds"])] = true
	}
	if len(groups) != 1 {
		t.Errorf("route functions use %d security groups; want one shared", len(groups))
	}
	for _, task := range routes.Tasks {
		vpc, _ := ofType("AWS::Lambda::Function")[fns[task.Name]]["VpcConfig"].(map[string]any)
		if groups[js(vpc["SecurityGroupIds"])] {
			t.Errorf("task %s shares the routes' security group", task.Name)
		}
	}
	if n := len(tmpl.Resources); n > 400 {
		t.Errorf("%d resources: keep well under CloudFormation's 500 per stack", n)
	}
}
