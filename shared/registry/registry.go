// Package registry builds any function's Lambda handler by name, for the tools that
// run functions outside Lambda: the local gateway, `make invoke` and the tests. The
// functions' own main.go files do not import it, so each binary links only its own
// handler.
package registry

import (
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/migrate"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/runtime"
	"github.com/civicq/civicq/shared/transcode"
)

// Function is a built function: its Lambda handler and what releases its clients.
type Function struct {
	Name    string
	Handler lambda.Handler
	Close   func()
	// Runtime is set for HTTP functions (tests reach its dependencies through it).
	Runtime *runtime.Runtime
}

// Build builds the named function as its main.go would, from cfg (Function is set
// to name). Each function gets its own clients, as each Lambda has its own
// execution environment.
func Build(name string, cfg config.Config) (*Function, error) {
	cfg.Function = name
	if row, ok := routes.ByName(name); ok {
		build := api.Handlers()[name]
		if build == nil {
			return nil, fmt.Errorf("route %q has no handler in api.Handlers", name)
		}
		rt, err := runtime.New(cfg)
		if err != nil {
			return nil, err
		}
		// lambda.NewHandler wraps it exactly as lambda.Start does.
		h := rt.LambdaHandler(row, build(rt.Deps()))
		return &Function{Name: name, Handler: lambda.NewHandler(h), Close: rt.Close, Runtime: rt}, nil
	}
	switch name {
	case "migrate":
		return &Function{Name: name, Handler: lambda.NewHandler(migrate.Handler(migrate.Options{DSN: cfg.DatabaseURL})), Close: func() {}}, nil
	case "transcode":
		t, closeAll, err := transcode.New(cfg)
		if err != nil {
			return nil, err
		}
		return &Function{Name: name, Handler: lambda.NewHandler(t.Handle), Close: closeAll}, nil
	}
	return nil, fmt.Errorf("no function named %q (known: %v)", name, routes.Names())
}

// Mounts builds every HTTP function of the route table for the local gateway. Call
// the returned func to close them all.
func Mounts(cfg config.Config) ([]gateway.Mount, func(), error) {
	var mounts []gateway.Mount
	var fns []*Function
	closeAll := func() {
		for _, f := range fns {
			f.Close()
		}
	}
	for _, row := range routes.Table {
		f, err := Build(row.Name, cfg)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		fns = append(fns, f)
		mounts = append(mounts, gateway.Mount{Route: row, Handler: f.Handler})
	}
	return mounts, closeAll, nil
}
