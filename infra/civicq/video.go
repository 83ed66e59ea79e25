package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// UploadExpiry is how long a raw upload stays in the uploads bucket: the
// transcoder reads it within minutes; what is left after that is abandoned.
const UploadExpiry = 7

// MediaPrefix is where transcoded HLS renditions live in the media bucket; the
// distribution serves /media/* from it unchanged, so the key of a playlist is
// media/<...>/index.m3u8.
const MediaPrefix = "media/"

// UploadPrefix is where answer uploads land in the uploads bucket
// (shared/objects.UploadKey).
const UploadPrefix = "uploads/"

// VideoProps configures the video pipeline.
type VideoProps struct {
	// AllowedOrigins may PUT/POST presigned uploads from a browser (the site's
	// origin, https://<distribution domain>).
	AllowedOrigins []string
	// AccessLogs receives the buckets' server access logs (nil: no access logs).
	AccessLogs awss3.IBucket
	Stage      Stage
	// Transcode is the SQS-triggered transcoder. When set here, it gets the queue
	// as its event source (batch size 1, ReportBatchItemFailures), read access to
	// uploads and write access to the media bucket; the stack, which builds the
	// function after the buckets, calls Attach instead.
	Transcode awslambda.IFunction
	// TranscodeTimeout is the transcoder's timeout; the queue's visibility timeout
	// is six times it (AWS's advice for Lambda consumers). Zero means 5 minutes.
	TranscodeTimeout awscdk.Duration
}

// Video is the path of a candidate's answer: a presigned upload to Uploads, an
// ObjectCreated notification on Queue (dead letters on DLQ after 3 receives), the
// transcoder, and HLS on Media.
type Video struct {
	constructs.Construct
	Uploads awss3.Bucket
	Media   awss3.Bucket
	Queue   awssqs.Queue
	DLQ     awssqs.Queue
}

// privateBucket is a bucket nobody reaches without a grant: public access blocked,
// TLS enforced, S3-managed encryption, owner-enforced objects.
func privateBucket(scope constructs.Construct, id string, logs awss3.IBucket, extra *awss3.BucketProps) awss3.Bucket {
	p := awss3.BucketProps{}
	if extra != nil {
		p = *extra
	}
	p.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	p.EnforceSSL = jsii.Bool(true)
	p.Encryption = awss3.BucketEncryption_S3_MANAGED
	if p.ObjectOwnership == "" {
		p.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	}
	if p.RemovalPolicy == "" {
		// Kept when the stack goes; `make`-free teardown is in the README.
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if logs != nil {
		p.ServerAccessLogsBucket = logs
		p.ServerAccessLogsPrefix = jsii.String(id + "/")
	}
	return awss3.NewBucket(scope, jsii.String(id), &p)
}

// NewVideo creates the buckets, the queue and its DLQ, and the notification.
func NewVideo(scope constructs.Construct, id string, props *VideoProps) *Video {
	c := constructs.NewConstruct(scope, jsii.String(id))
	var cors []*awss3.CorsRule
	if len(props.AllowedOrigins) > 0 {
		origins := make([]*string, len(props.AllowedOrigins))
		for i, o := range props.AllowedOrigins {
			origins[i] = jsii.String(o)
		}
		cors = append(cors, &awss3.CorsRule{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT, awss3.HttpMethods_POST},
			AllowedOrigins: &origins,
			AllowedHeaders: &[]*string{jsii.String("*")},
			ExposedHeaders: &[]*string{jsii.String("ETag")},
			MaxAge:         jsii.Number(3000),
		})
	}
	uploads := privateBucket(c, "Uploads", props.AccessLogs, &awss3.BucketProps{
		Cors: &cors,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration:                          awscdk.Duration_Days(jsii.Number(UploadExpiry)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	media := privateBucket(c, "Media", props.AccessLogs, nil)

	timeout := props.TranscodeTimeout
	if timeout == nil {
		timeout = awscdk.Duration_Minutes(jsii.Number(5))
	}
	dlq := awssqs.NewQueue(c, jsii.String("DLQ"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	queue := awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * *timeout.ToSeconds(nil))),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(3)},
	})
	uploads.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSqsDestination(queue))

	v := &Video{Construct: c, Uploads: uploads, Media: media, Queue: queue, DLQ: dlq}
	if props.Transcode != nil {
		v.Attach(props.Transcode)
	}
	return v
}

// Attach makes fn the queue's consumer: one upload per invocation, failed messages
// reported one by one, so a redelivery retries only what failed.
func (v *Video) Attach(fn awslambda.IFunction) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(v.Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	// Exactly what it does: read answer uploads, write renditions. (The
	// bucket's Grant* methods would add List*, GetBucket* and Abort*.)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   &[]*string{jsii.String("s3:GetObject")},
		Resources: &[]*string{v.Uploads.ArnForObjects(jsii.String(UploadPrefix + "*"))},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   &[]*string{jsii.String("s3:PutObject")},
		Resources: &[]*string{v.Media.ArnForObjects(jsii.String(MediaPrefix + "*"))},
	}))
}

// GrantUpload lets a role sign presigned POSTs of answer uploads: a POST acts
// with its signer's rights, so PutObject on the upload keys and nothing else.
func (v *Video) GrantUpload(role awsiam.IRole) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   &[]*string{jsii.String("s3:PutObject")},
		Resources: &[]*string{v.Uploads.ArnForObjects(jsii.String(UploadPrefix + "*"))},
	}))
}

// AllowOrigin lets a browser on origin (e.g. https://d123.cloudfront.net) PUT or
// POST presigned uploads.
func (v *Video) AllowOrigin(origin *string) {
	v.Uploads.AddCorsRule(&awss3.CorsRule{
		AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT, awss3.HttpMethods_POST},
		AllowedOrigins: &[]*string{origin},
		AllowedHeaders: &[]*string{jsii.String("*")},
		ExposedHeaders: &[]*string{jsii.String("ETag")},
		MaxAge:         jsii.Number(3000),
	})
}
