package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
)

// Database users. Functions sign in to RDS Proxy with an IAM token as the password
// (the proxy requires IAM authentication), so what a function may do in Postgres is
// decided by the user its role may connect as: IAM's rds-db:connect is granted per
// proxy and user, not per proxy endpoint.
const (
	DBName = "civicq"
	// DBAdminUser owns the schema; only the migrate function connects as it.
	DBAdminUser = "civicq_admin"
	// DBWriterUser is for write routes (DML on the application tables).
	DBWriterUser = "civicq_writer"
	// DBReaderUser is for read routes (SELECT only).
	DBReaderUser = "civicq_reader"
)

// DatabaseProps sizes the database for a stage.
type DatabaseProps struct {
	Network *Network
	Stage   Stage
}

// Database is Aurora PostgreSQL Serverless v2 (a writer and a reader) behind RDS
// Proxy. Functions never see the cluster: they reach the proxy's default (writer)
// endpoint or its read-only endpoint, with TLS and IAM authentication.
type Database struct {
	constructs.Construct
	Cluster awsrds.DatabaseCluster
	Proxy   awsrds.DatabaseProxy
	// ReadOnly is the proxy endpoint that routes to the reader instance.
	ReadOnly awsrds.CfnDBProxyEndpoint
	// ProxySecurityGroup guards both proxy endpoints (5432).
	ProxySecurityGroup awsec2.SecurityGroup
	// UserSecrets holds the generated passwords of the writer and reader users,
	// which the proxy uses to sign in to Postgres on the functions' behalf.
	UserSecrets map[string]awssecretsmanager.ISecret
	// MaxConnections is Postgres's max_connections at the largest capacity (see
	// maxConnections); the connections alarm fires at 80% of it.
	MaxConnections float64
}

// NewDatabase creates the cluster, its credentials, the proxy and the read-only
// endpoint.
func NewDatabase(scope constructs.Construct, id string, props *DatabaseProps) *Database {
	c := constructs.NewConstruct(scope, jsii.String(id))
	vpc := props.Network.Vpc
	prod := props.Stage == Prod
	dbSG := awsec2.NewSecurityGroup(c, jsii.String("ClusterSG"), &awsec2.SecurityGroupProps{
		Vpc: vpc, AllowAllOutbound: jsii.Bool(false),
		Description: jsii.String("Aurora cluster: 5432 from RDS Proxy (and the rotation function) only"),
	})
	proxySG := awsec2.NewSecurityGroup(c, jsii.String("ProxySG"), &awsec2.SecurityGroupProps{
		Vpc: vpc, AllowAllOutbound: jsii.Bool(false),
		Description: jsii.String("RDS Proxy: 5432 from CivicQ functions only"),
	})
	clusterID := "civicq-" + string(props.Stage)
	// The cluster's Postgres log group, created ahead of RDS so it has a retention
	// (RDS would otherwise create it without one).
	awslogs.NewLogGroup(c, jsii.String("PostgresLogs"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("/aws/rds/cluster/" + clusterID + "/postgresql"),
		Retention:    LogRetention,
	})
	maxACU := 4.0
	backupDays := 7.0
	removal := awscdk.RemovalPolicy_DESTROY
	if prod {
		maxACU, backupDays, removal = 16, 30, awscdk.RemovalPolicy_SNAPSHOT
	}
	cluster := awsrds.NewDatabaseCluster(c, jsii.String("Cluster"), &awsrds.DatabaseClusterProps{
		ClusterIdentifier: jsii.String(clusterID),
		Engine: awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{
			Version: awsrds.AuroraPostgresEngineVersion_VER_16_6(),
		}),
		Writer: awsrds.ClusterInstance_ServerlessV2(jsii.String("writer"), &awsrds.ServerlessV2ClusterInstanceProps{
			PubliclyAccessible: jsii.Bool(false),
		}),
		Readers: &[]awsrds.IClusterInstance{
			awsrds.ClusterInstance_ServerlessV2(jsii.String("reader"), &awsrds.ServerlessV2ClusterInstanceProps{
				PubliclyAccessible: jsii.Bool(false),
				// Same capacity as the writer, so it can take over on failover.
				ScaleWithWriter: jsii.Bool(true),
			}),
		},
		ServerlessV2MinCapacity: jsii.Number(0.5),
		ServerlessV2MaxCapacity: jsii.Number(maxACU),
		Vpc:                     vpc,
		VpcSubnets:              props.Network.Subnets,
		SecurityGroups:          &[]awsec2.ISecurityGroup{dbSG},
		Credentials:             awsrds.Credentials_FromGeneratedSecret(jsii.String(DBAdminUser), nil),
		DefaultDatabaseName:     jsii.String(DBName),
		StorageEncrypted:        jsii.Bool(true),
		IamAuthentication:       jsii.Bool(true),
		// Automated backups give point-in-time recovery anywhere in the window.
		Backup: &awsrds.BackupProps{
			Retention:       awscdk.Duration_Days(jsii.Number(backupDays)),
			PreferredWindow: jsii.String("08:00-09:00"), // UTC: night in the Americas
		},
		DeletionProtection:    jsii.Bool(prod),
		RemovalPolicy:         removal,
		CloudwatchLogsExports: &[]*string{jsii.String("postgresql")},
	})
	// The admin password rotates monthly; the proxy reads the secret on every new
	// connection, so rotation needs no deploy.
	cluster.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(30)),
		Endpoint:           props.Network.SecretsEndpoint,
		VpcSubnets:         props.Network.Subnets,
	})

	secrets := []awssecretsmanager.ISecret{cluster.Secret()}
	users := map[string]awssecretsmanager.ISecret{}
	for _, u := range []string{DBWriterUser, DBReaderUser} {
		s := awsrds.NewDatabaseSecret(c, jsii.String(u), &awsrds.DatabaseSecretProps{
			Username: jsii.String(u), Dbname: jsii.String(DBName),
		})
		users[u] = s
		secrets = append(secrets, s)
	}
	proxy := cluster.AddProxy(jsii.String("Proxy"), &awsrds.DatabaseProxyOptions{
		Vpc:            vpc,
		VpcSubnets:     props.Network.Subnets,
		SecurityGroups: &[]awsec2.ISecurityGroup{proxySG},
		Secrets:        &secrets,
		RequireTLS:     jsii.Bool(true),
		IamAuth:        jsii.Bool(true),
		DebugLogging:   jsii.Bool(false),
	})
	dbSG.AddIngressRule(proxySG, awsec2.Port_Tcp(jsii.Number(5432)), jsii.String("from RDS Proxy"), nil)
	proxySG.AddEgressRule(dbSG, awsec2.Port_Tcp(jsii.Number(5432)), jsii.String("to the Aurora cluster"), nil)

	subnetIDs := vpc.SelectSubnets(props.Network.Subnets).SubnetIds
	readOnly := awsrds.NewCfnDBProxyEndpoint(c, jsii.String("ReadOnly"), &awsrds.CfnDBProxyEndpointProps{
		DbProxyName:         proxy.DbProxyName(),
		DbProxyEndpointName: jsii.String("civicq-" + string(props.Stage) + "-read"),
		TargetRole:          jsii.String("READ_ONLY"),
		VpcSubnetIds:        anys(subnetIDs),
		VpcSecurityGroupIds: &[]interface{}{proxySG.SecurityGroupId()},
	})
	return &Database{
		Construct: c, Cluster: cluster, Proxy: proxy, ReadOnly: readOnly,
		ProxySecurityGroup: proxySG, UserSecrets: users,
		MaxConnections: maxConnections(maxACU),
	}
}

// maxConnections is Aurora PostgreSQL's default max_connections,
// LEAST(DBInstanceClassMemory/9531392, 5000), for Serverless v2 at its maximum
// capacity (2 GiB per ACU). It is an estimate: the instance memory RDS reports is a
// little below the nominal figure.
func maxConnections(maxACU float64) float64 {
	n := float64(int(maxACU * 2 * (1 << 30) / 9531392))
	if n > 5000 {
		n = 5000
	}
	return n
}

// DBUser is the Postgres user a function connects as.
func DBUser(db routes.DBAccess) string {
	switch db {
	case routes.DBWrite:
		return DBWriterUser
	case routes.DBRead:
		return DBReaderUser
	}
	return ""
}

// dsn is a libpq URL without a password: the runtime signs in with an IAM token.
func dsn(host *string, user string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("postgres://" + user + "@"), host,
		jsii.String(":5432/" + DBName + "?sslmode=verify-full"),
	})
}

// Connect gives a function what it needs to reach the database as user: its
// environment (DATABASE_URL at the proxy's writer endpoint, DATABASE_READ_URL at
// the read-only endpoint when readOnly is set, DB_USER), rds-db:connect for that
// user on this proxy, and the network path to the proxy.
func (d *Database) Connect(fn *Function, user string, readOnly bool) {
	fn.Fn.AddEnvironment(jsii.String("DATABASE_URL"), dsn(d.Proxy.Endpoint(), user), nil)
	if readOnly {
		fn.Fn.AddEnvironment(jsii.String("DATABASE_READ_URL"), dsn(d.ReadOnly.AttrEndpoint(), user), nil)
	}
	fn.Fn.AddEnvironment(jsii.String("DB_USER"), jsii.String(user), nil)
	// The runtime signs in with an IAM token (shared/store/iam.go).
	fn.Fn.AddEnvironment(jsii.String("DB_IAM_AUTH"), jsii.String("true"), nil)
	d.Proxy.GrantConnect(fn.Role, jsii.String(user))
	d.ProxySecurityGroup.Connections().AllowFrom(fn.SecurityGroup, awsec2.Port_Tcp(jsii.Number(5432)),
		jsii.String(fn.Peer))
}
