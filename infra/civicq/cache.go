package civicq

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CacheUser is the Redis user the functions sign in as.
const CacheUser = "civicq"

// CacheProps places the cache.
type CacheProps struct {
	Network *Network
	Stage   Stage
}

// Cache is ElastiCache Serverless for Redis: TLS in transit always (serverless
// caches refuse plain connections), encrypted at rest, and access control through a
// user group whose only enabled user is CacheUser with a generated password. The
// built-in "default" user is switched off.
type Cache struct {
	constructs.Construct
	Serverless    awselasticache.CfnServerlessCache
	SecurityGroup awsec2.SecurityGroup
	// Secret holds CacheUser's password ({"username", "password"}).
	Secret awssecretsmanager.Secret
}

// NewCache creates the cache, its users and its security group.
func NewCache(scope constructs.Construct, id string, props *CacheProps) *Cache {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stage := string(props.Stage)
	sg := awsec2.NewSecurityGroup(c, jsii.String("SG"), &awsec2.SecurityGroupProps{
		Vpc: props.Network.Vpc, AllowAllOutbound: jsii.Bool(false),
		Description: jsii.String("ElastiCache: 6379 from CivicQ functions only"),
	})
	password := func(id, user string) awssecretsmanager.Secret {
		return awssecretsmanager.NewSecret(c, jsii.String(id), &awssecretsmanager.SecretProps{
			Description: jsii.String("CivicQ " + stage + " Redis user " + user),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String(`{"username":"` + user + `"}`),
				GenerateStringKey:    jsii.String("password"),
				ExcludePunctuation:   jsii.Bool(true),
				PasswordLength:       jsii.Number(32),
			},
		})
	}
	appSecret := password("AppPassword", CacheUser)
	defaultSecret := password("DefaultPassword", "default")
	// ElastiCache requires a user named "default" in every user group; it is
	// disabled ("off") and may run no command.
	def := awselasticache.NewCfnUser(c, jsii.String("DefaultUser"), &awselasticache.CfnUserProps{
		UserId: jsii.String("civicq-" + stage + "-default"), UserName: jsii.String("default"),
		Engine: jsii.String("redis"), AccessString: jsii.String("off -@all"),
		// A map: this L1 property is untyped and the struct would not be
		// rendered with CloudFormation's capitalized keys.
		AuthenticationMode: map[string]any{
			"Type":      "password",
			"Passwords": []any{defaultSecret.SecretValueFromJson(jsii.String("password")).UnsafeUnwrap()},
		},
	})
	// The application user may use every key and every command except the
	// dangerous ones (the cache needs EVAL/EVALSHA for its Lua scripts).
	app := awselasticache.NewCfnUser(c, jsii.String("AppUser"), &awselasticache.CfnUserProps{
		UserId: jsii.String("civicq-" + stage + "-app"), UserName: jsii.String(CacheUser),
		Engine: jsii.String("redis"), AccessString: jsii.String("on ~* &* +@all -@dangerous"),
		// A map: this L1 property is untyped and the struct would not be
		// rendered with CloudFormation's capitalized keys.
		AuthenticationMode: map[string]any{
			"Type":      "password",
			"Passwords": []any{appSecret.SecretValueFromJson(jsii.String("password")).UnsafeUnwrap()},
		},
	})
	group := awselasticache.NewCfnUserGroup(c, jsii.String("Users"), &awselasticache.CfnUserGroupProps{
		UserGroupId: jsii.String("civicq-" + stage + "-users"), Engine: jsii.String("redis"),
		UserIds: &[]*string{def.UserId(), app.UserId()},
	})
	group.Node().AddDependency(def, app)
	cache := awselasticache.NewCfnServerlessCache(c, jsii.String("Serverless"), &awselasticache.CfnServerlessCacheProps{
		ServerlessCacheName: jsii.String("civicq-" + stage),
		Engine:              jsii.String("redis"),
		MajorEngineVersion:  jsii.String("7"),
		Description:         jsii.String("CivicQ derived data: cached JSON, ranked sets, rate limits"),
		SecurityGroupIds:    &[]interface{}{sg.SecurityGroupId()},
		SubnetIds:           anys(props.Network.Vpc.SelectSubnets(props.Network.Subnets).SubnetIds),
		UserGroupId:         group.UserGroupId(),
	})
	cache.Node().AddDependency(group)
	return &Cache{Construct: c, Serverless: cache, SecurityGroup: sg, Secret: appSecret}
}

// Connect gives a function REDIS_ADDR (TLS), its user and password, and the network
// path to the cache. The password reaches the function's environment through a
// CloudFormation dynamic reference, because the runtime reads REDIS_PASSWORD from
// the environment; it is therefore visible to anyone who may read the function's
// configuration. Redis only holds derived data.
func (k *Cache) Connect(fn *Function) {
	fn.Fn.AddEnvironment(jsii.String("REDIS_ADDR"), jsii.String(
		*k.Serverless.AttrEndpointAddress()+":"+*k.Serverless.AttrEndpointPort()), nil)
	fn.Fn.AddEnvironment(jsii.String("REDIS_TLS"), jsii.String("true"), nil)
	fn.Fn.AddEnvironment(jsii.String("REDIS_USERNAME"), jsii.String(CacheUser), nil)
	fn.Fn.AddEnvironment(jsii.String("REDIS_PASSWORD"),
		k.Secret.SecretValueFromJson(jsii.String("password")).UnsafeUnwrap(), nil)
	k.SecurityGroup.Connections().AllowFrom(fn.SecurityGroup, awsec2.Port_Tcp(jsii.Number(6379)),
		jsii.String(fn.Peer))
}
