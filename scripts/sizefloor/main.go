// Command sizefloor is the smallest function the chosen libraries allow: a Lambda
// started through aws-lambda-go-api-proxy's V2 adapter that runs one query on a
// pgxpool and one command on a go-redis client. It is never deployed or run; it is
// built to measure the size every CivicQ function starts from (README "Binary
// size"):
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath \
//	    -ldflags "-s -w" -o /tmp/floor ./scripts/sizefloor && stat -c %s /tmp/floor
package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1/postgres")
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := rdb.Get(r.Context(), "k").Result()
		_ = pool.QueryRow(r.Context(), "SELECT $1::text", s).Scan(&s)
		_, _ = w.Write([]byte(s))
	})
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
