// Command cityadmin gives (or takes) a role in one city outside the API. It is how
// the first city admin of a city is made: through the API only a city admin can
// grant roles, and a new city has none yet. Later admins are made the same way;
// moderators are granted by a city admin through the API
// (PUT /api/cities/{city}/moderators/{user}).
//
//	go run ./scripts/cityadmin -city riverton -user priya@example.org              # city_admin
//	go run ./scripts/cityadmin -city riverton -user <subject> -role moderator
//	go run ./scripts/cityadmin -city riverton -user priya@example.org -revoke
//
// The user is found by email or by the identity provider's subject ("sub"); they
// must have signed in once (any authenticated request, e.g. GET /api/me, creates
// their account). DATABASE_URL names the database (the writer); `make city-admin`
// runs it against the local services.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

func main() {
	city := flag.String("city", "", "the city's slug, e.g. riverton")
	user := flag.String("user", "", "the user's email or identity-provider subject")
	role := flag.String("role", domain.RoleCityAdmin, "city_admin or moderator")
	revoke := flag.Bool("revoke", false, "take the role instead of giving it")
	flag.Parse()
	if err := run(*city, *user, *role, *revoke); err != nil {
		fmt.Fprintln(os.Stderr, "cityadmin:", err)
		os.Exit(1)
	}
}

func run(city, user, role string, revoke bool) error {
	if city == "" || user == "" {
		return errors.New("usage: cityadmin -city <slug> -user <email or subject> [-role city_admin|moderator] [-revoke]")
	}
	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := store.NewPool(ctx, dsn, store.PoolOptions{MaxConns: 1, ConnectTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer pool.Close()
	s := store.New(pool, nil)
	if revoke {
		removed, err := s.RevokeRole(ctx, city, user, role)
		if err != nil {
			return err
		}
		if !removed {
			return fmt.Errorf("%s holds no %s role in %s", user, role, city)
		}
		fmt.Printf("%s is no longer %s of %s\n", user, role, city)
		return nil
	}
	id, err := s.GrantRole(ctx, city, user, role)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no city %q, or no account with the email or subject %q (they must sign in once first)", city, user)
	}
	if err != nil {
		return err
	}
	fmt.Printf("%s (user %s) is %s of %s\n", user, id, role, city)
	return nil
}
