package civicq

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/site"
)

// WAF rate limit: requests per IP in any 5-minute window before the IP is blocked.
// A resident voting hard sends a few per second; 3000 in 5 minutes is 10/s.
const RateLimitPer5Min = 3000

// EdgeProps wires the distribution to its origins.
type EdgeProps struct {
	API   awsapigatewayv2.HttpApi
	Media awss3.IBucket
	Logs  awss3.IBucket
	// WebACLArn is an existing CLOUDFRONT-scoped web ACL (created in us-east-1).
	// Empty: NewEdge creates one with NewFirewall, which only deploys in us-east-1.
	WebACLArn string
	// SiteDir is the frontend build (web/dist, `make web`). When the folder does
	// not exist at synth time the site bucket is left empty.
	SiteDir string
	// SiteConfig is the web app's /config.json (shared/site.Config), deployed
	// beside the build; its values may be tokens (the user pool and client ids).
	SiteConfig *site.Config
	// ConnectSrc lists extra origins the page may call (Cognito, the uploads bucket)
	// for the Content-Security-Policy.
	ConnectSrc []*string
}

// Edge is the one CloudFront distribution: the site bucket by default, /api/* to
// the HTTP API, /media/* to the media bucket, security headers on every response,
// and a WAF web ACL.
type Edge struct {
	constructs.Construct
	Site         awss3.Bucket
	Distribution awscloudfront.Distribution
	WebACLArn    *string
}

// NewFirewall creates the CLOUDFRONT-scoped web ACL: a per-IP rate limit and AWS's
// known-bad-inputs rules. CloudFormation creates CLOUDFRONT-scoped ACLs only in
// us-east-1.
func NewFirewall(scope constructs.Construct, id string) awswafv2.CfnWebACL {
	vis := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true),
			MetricName: jsii.String(name),
		}
	}
	return awswafv2.NewCfnWebACL(scope, jsii.String(id), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: vis("civicq"),
		Rules: &[]interface{}{
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("rate-per-ip"), Priority: jsii.Number(0),
				Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						Limit: jsii.Number(RateLimitPer5Min), AggregateKeyType: jsii.String("IP"),
					},
				},
				VisibilityConfig: vis("civicq-rate-per-ip"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("known-bad-inputs"), Priority: jsii.Number(1),
				OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
						VendorName: jsii.String("AWS"), Name: jsii.String("AWSManagedRulesKnownBadInputsRuleSet"),
					},
				},
				VisibilityConfig: vis("civicq-known-bad-inputs"),
			},
		},
	})
}

// pathPattern turns a route path into a CloudFront path pattern: {param} becomes *.
func pathPattern(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// NewEdge creates the site bucket, the policies and the distribution.
//
// Caching of /api/*: the API cache policy keys on the query string and on the
// Authorization header and takes its lifetimes from the origin's Cache-Control
// (default TTL 0: a response without Cache-Control is not cached). Public GETs send
// `public, s-maxage=300` and are cached once for everyone (they carry no token);
// Authorization is part of the key, so even a response cached by mistake could
// only ever be served back to the same token. On top of that, every GET route that
// needs a caller gets its own behaviour with CACHING_DISABLED, so authenticated
// reads are never cached at all (writes are not cached by CloudFront anyway).
// Authorization reaches the API because it is in the cache key (CloudFront does not
// allow it in an origin request policy); with caching disabled, the
// all-viewer-except-Host origin request policy forwards it.
func NewEdge(scope constructs.Construct, id string, props *EdgeProps) *Edge {
	c := constructs.NewConstruct(scope, jsii.String(id))
	siteBucket := privateBucket(c, "Site", props.Logs, nil)

	// The same policy the local gateway sends (shared/site), plus the origins the
	// page calls beyond its own.
	parts := []*string{jsii.String(site.BaseCSP)}
	for _, s := range props.ConnectSrc {
		parts = append(parts, jsii.String(" "), s)
	}
	headers := awscloudfront.NewResponseHeadersPolicy(c, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("CivicQ security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: awscdk.Fn_Join(jsii.String(""), &parts), Override: jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)),
				IncludeSubdomains:   jsii.Bool(true), Preload: jsii.Bool(true), Override: jsii.Bool(true),
			},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
				Override:       jsii.Bool(true),
			},
		},
	})

	// https://<id>.execute-api.<region>.amazonaws.com → its host name.
	apiHost := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), props.API.ApiEndpoint(), nil))
	apiOrigin := awscloudfrontorigins.NewHttpOrigin(apiHost, &awscloudfrontorigins.HttpOriginProps{
		ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
		OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
	})
	apiCache := awscloudfront.NewCachePolicy(c, jsii.String("ApiCache"), &awscloudfront.CachePolicyProps{
		Comment:                    jsii.String("CivicQ API: lifetimes from Cache-Control, keyed on query and Authorization"),
		DefaultTtl:                 awscdk.Duration_Seconds(jsii.Number(0)),
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:                     awscdk.Duration_Days(jsii.Number(1)),
		HeaderBehavior:             awscloudfront.CacheHeaderBehavior_AllowList(jsii.String("Authorization")),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})
	api := &awscloudfront.BehaviorOptions{
		Origin:                apiOrigin,
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
		CachedMethods:         awscloudfront.CachedMethods_CACHE_GET_HEAD(),
		CachePolicy:           apiCache,
		OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		ResponseHeadersPolicy: headers,
	}
	behaviors := map[string]*awscloudfront.BehaviorOptions{}
	for _, r := range routes.Table {
		if r.NeedsCaller() && r.Method == "GET" {
			behaviors[pathPattern(r.Path)] = &awscloudfront.BehaviorOptions{
				Origin:                apiOrigin,
				ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
				ResponseHeadersPolicy: headers,
			}
		}
	}
	behaviors["/api/*"] = api
	behaviors["/media/*"] = &awscloudfront.BehaviorOptions{
		Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(props.Media, nil),
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ResponseHeadersPolicy: headers,
	}

	// The app routes with the History API: a page path (no file extension, not
	// under assets/) is answered with index.html, as the local gateway does. The
	// rewrite runs before the cache lookup, so every page shares one cached copy.
	pages := awscloudfront.NewFunction(c, jsii.String("Pages"), &awscloudfront.FunctionProps{
		Comment: jsii.String("CivicQ: page paths to /index.html"),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(PagesFunction)),
	})

	acl := jsii.String(props.WebACLArn)
	if props.WebACLArn == "" {
		acl = NewFirewall(c, "Firewall").AttrArn()
	}
	dist := awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String("CivicQ: site, /api/*, /media/*"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(siteBucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST, Function: pages,
			}},
		},
		AdditionalBehaviors:    &behaviors,
		DefaultRootObject:      jsii.String("index.html"),
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
		PriceClass:             awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging:          jsii.Bool(props.Logs != nil),
		LogBucket:              props.Logs,
		LogFilePrefix:          jsii.String("cloudfront/"),
		WebAclId:               acl,
	})
	if st, err := os.Stat(props.SiteDir); props.SiteDir != "" && err == nil && st.IsDir() {
		deploySite(c, props, siteBucket, dist)
	}
	// else: no web build (run `make web` before synth); the site bucket stays
	// empty and / answers 403 until a deploy finds the folder.
	return &Edge{Construct: c, Site: siteBucket, Distribution: dist, WebACLArn: acl}
}

// PagesFunction is the CloudFront Function (cloudfront-js-2.0) that sends page
// paths to /index.html and leaves files (a dot in the last segment, or anything
// under /assets) alone.
const PagesFunction = `function handler(event) {
  var req = event.request;
  var uri = req.uri;
  if (uri === "/assets" || uri.indexOf("/assets/") === 0) return req;
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) req.uri = "/index.html";
  return req;
}`

// deploySite copies the build to the site bucket in two steps. The hashed files
// under assets/ go first, cached for a year, and are never pruned: a browser that
// loaded the previous index.html may still ask for its chunks (hls.js is loaded
// late). Then everything else, with config.json written from the stack's values,
// revalidated on every use (no-cache), replacing the old files (prune), followed
// by an invalidation so CloudFront's copy of index.html changes at once.
func deploySite(scope constructs.Construct, props *EdgeProps, bucket awss3.Bucket, dist awscloudfront.Distribution) {
	assets := awss3deployment.NewBucketDeployment(scope, jsii.String("SiteAssets"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(props.SiteDir), nil)},
		DestinationBucket: bucket,
		Exclude:           jsii.Strings("*"),
		Include:           jsii.Strings(site.AssetsDir + "/*"),
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(site.AssetsCacheControl))},
		Prune:             jsii.Bool(false),
	})
	sources := []awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(props.SiteDir), nil)}
	if props.SiteConfig != nil {
		sources = append(sources, awss3deployment.Source_JsonData(jsii.String("config.json"), jsonValue(*props.SiteConfig), nil))
	}
	pages := awss3deployment.NewBucketDeployment(scope, jsii.String("SitePages"), &awss3deployment.BucketDeploymentProps{
		Sources:           &sources,
		DestinationBucket: bucket,
		// Excluded files are neither copied nor pruned by this step.
		Exclude:           jsii.Strings(site.AssetsDir + "/*"),
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(site.PageCacheControl))},
		Distribution:      dist,
		DistributionPaths: jsii.Strings("/*"),
	})
	pages.Node().AddDependency(assets)
}

// jsonValue turns a struct with json tags into the plain maps jsii passes on (it
// does not read Go's json tags). Token strings survive the round trip unchanged.
func jsonValue(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
