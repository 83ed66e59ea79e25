package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MetricsNamespace is the CloudWatch namespace of the functions' EMF documents
// (shared/metrics); cold starts are its ColdStart metric by Function.
const MetricsNamespace = "CivicQ"

// OperationsProps lists what is watched.
type OperationsProps struct {
	Functions []*Function // in dashboard order
	API       awsapigatewayv2.HttpApi
	Database  *Database
	DLQ       awssqs.IQueue
	Stage     Stage
	// AlarmEmail, when set, is subscribed to the alarm topic.
	AlarmEmail string
}

// Operations is the dashboard, the alarms and the topic they notify.
type Operations struct {
	constructs.Construct
	Dashboard awscloudwatch.Dashboard
	Alarms    []awscloudwatch.Alarm
	Topic     awssns.Topic
}

// NewOperations creates the dashboard (a row per function) and the alarms.
func NewOperations(scope constructs.Construct, id string, props *OperationsProps) *Operations {
	c := constructs.NewConstruct(scope, jsii.String(id))
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	o := &Operations{Construct: c}

	// Alarms reach the topic encrypted with a key of its own: CloudWatch cannot use
	// the AWS-managed SNS key.
	key := awskms.NewKey(c, jsii.String("AlarmsKey"), &awskms.KeyProps{
		EnableKeyRotation: jsii.Bool(true),
		Description:       jsii.String("CivicQ alarm topic"),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    &[]*string{jsii.String("kms:Decrypt"), jsii.String("kms:GenerateDataKey*")},
		Resources:  &[]*string{jsii.String("*")}, // "this key", in a key policy
	}), nil)
	o.Topic = awssns.NewTopic(c, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("CivicQ " + string(props.Stage) + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	if props.AlarmEmail != "" {
		o.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.AlarmEmail), nil))
	}
	alarm := func(id, desc string, m awscloudwatch.IMetric, threshold float64, periods float64) {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(desc),
			Metric:             m,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(periods),
			DatapointsToAlarm:  jsii.Number(periods),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(o.Topic))
		o.Alarms = append(o.Alarms, a)
	}

	errRate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Label:      jsii.String("API 5xx %"),
		Expression: jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":   props.API.MetricServerError(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}),
			"requests": props.API.MetricCount(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}),
		},
		Period: minute,
	})
	alarm("Api5xxRate", "API 5xx responses above 5% of requests for 5 minutes", errRate, 5, 5)
	alarm("ApiLatencyP95", "API p95 latency above 1 s for 5 minutes",
		props.API.MetricLatency(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("p95")}), 1000, 5)
	alarm("DbConnections", "Aurora connections above 80% of max_connections (estimated for the maximum capacity)",
		props.Database.Cluster.MetricDatabaseConnections(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}),
		0.8*props.Database.MaxConnections, 5)
	alarm("DlqMessages", "an upload failed transcoding 3 times and is in the dead-letter queue",
		props.DLQ.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}), 0, 1)
	alarm("ProxyPinned", "RDS Proxy connections pinned to a session (SET, advisory locks...): multiplexing lost",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/RDS"), MetricName: jsii.String("DatabaseConnectionsCurrentlySessionPinned"),
			DimensionsMap: &map[string]*string{"ProxyName": props.Database.Proxy.DbProxyName()},
			Period:        minute, Statistic: jsii.String("Maximum"),
		}), 0, 5)

	o.Dashboard = awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String("CivicQ-" + string(props.Stage)),
	})
	alarmWidgets := []awscloudwatch.IWidget{}
	for _, a := range o.Alarms {
		alarmWidgets = append(alarmWidgets, awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
			Alarm: a, Width: jsii.Number(24 / len(o.Alarms)), Height: jsii.Number(5),
		}))
	}
	o.Dashboard.AddWidgets(alarmWidgets...)
	graph := func(title string, m awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &[]awscloudwatch.IMetric{m}, Width: jsii.Number(4), Height: jsii.Number(5),
		})
	}
	for _, f := range props.Functions {
		opts := func(stat string) *awscloudwatch.MetricOptions {
			return &awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String(stat)}
		}
		o.Dashboard.AddWidgets(
			graph(f.Name+": invocations", f.Fn.MetricInvocations(opts("Sum"))),
			graph(f.Name+": errors", f.Fn.MetricErrors(opts("Sum"))),
			graph(f.Name+": p95 duration", f.Fn.MetricDuration(opts("p95"))),
			graph(f.Name+": throttles", f.Fn.MetricThrottles(opts("Sum"))),
			graph(f.Name+": concurrent executions", f.Fn.Metric(jsii.String("ConcurrentExecutions"), opts("Maximum"))),
			graph(f.Name+": cold starts", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(MetricsNamespace), MetricName: jsii.String("ColdStart"),
				DimensionsMap: &map[string]*string{"Function": jsii.String(f.Name)},
				Period:        minute, Statistic: jsii.String("Sum"),
			})),
		)
	}
	return o
}
