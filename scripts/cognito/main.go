// Command cognito signs users up and in on the local stack's cognito-local (started
// by `make dev`, which saves the pool in .local/cognito/pool.json), with the same
// Cognito API calls the cloud takes:
//
//	go run ./scripts/cognito signup EMAIL PASSWORD     SignUp through the web client
//	go run ./scripts/cognito confirm EMAIL [CODE]      AdminConfirmSignUp, or ConfirmSignUp
//	                                                   with the CODE from the cognito-local log;
//	                                                   then email_verified=true
//	go run ./scripts/cognito signin EMAIL PASSWORD     InitiateAuth USER_PASSWORD_AUTH; prints
//	                                                   the ID token (-token access|refresh|all)
//	go run ./scripts/cognito add-to-group EMAIL GROUP  AdminAddUserToGroup (sign in again to see it)
//
// Only signin writes to stdout, so TOKEN=$(go run ./scripts/cognito signin ...) works.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/civicq/civicq/shared/localcognito"
	"github.com/civicq/civicq/shared/routes"
)

func main() {
	poolFile := flag.String("pool", ".local/cognito/pool.json", "the pool saved by `make dev`")
	token := flag.String("token", "id", "signin prints this token: id (what the web app sends), access, refresh, or all (JSON)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, `usage: go run ./scripts/cognito [-pool FILE] [-token id|access|refresh|all] COMMAND ARGS
  signup EMAIL PASSWORD       self sign-up through the web client (SignUp)
  confirm EMAIL [CODE]        confirm (AdminConfirmSignUp, or ConfirmSignUp with the CODE printed in
                              .local/logs/cognito-local.log) and mark the email verified
  signin EMAIL PASSWORD       sign in (InitiateAuth USER_PASSWORD_AUTH) and print the token
  add-to-group EMAIL GROUP    AdminAddUserToGroup; groups: `+strings.Join(routes.CognitoGroups, ", "))
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*poolFile, *token, flag.Args()); err != nil {
		// Cognito's own code and message say it best ("UsernameExistsException: User
		// already exists"); the SDK's wrapping adds only noise here.
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			err = fmt.Errorf("%s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		fmt.Fprintln(os.Stderr, "cognito:", err)
		os.Exit(1)
	}
}

func run(poolFile, token string, args []string) error {
	if len(args) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	pool, err := localcognito.Load(poolFile)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s not found: start the local stack with `make dev` first (it starts cognito-local and saves its pool there)", poolFile)
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd, args := args[0], args[1:]
	want := map[string][]int{"signup": {2}, "confirm": {1, 2}, "signin": {2}, "add-to-group": {2}}
	if n, ok := want[cmd]; !ok || !slices.Contains(n, len(args)) {
		flag.Usage()
		os.Exit(2)
	}
	switch cmd {
	case "signup":
		sub, err := pool.SignUp(ctx, args[0], args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "signed up %s (sub %s); confirm with: go run ./scripts/cognito confirm %s\n", args[0], sub, args[0])
	case "confirm":
		if len(args) == 2 {
			err = pool.ConfirmWithCode(ctx, args[0], args[1])
		} else {
			err = pool.Confirm(ctx, args[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "confirmed %s, email verified\n", args[0])
	case "signin":
		t, err := pool.SignIn(ctx, args[0], args[1])
		if err != nil {
			return err
		}
		switch token {
		case "id":
			fmt.Println(t.ID)
		case "access":
			fmt.Println(t.Access)
		case "refresh":
			fmt.Println(t.Refresh)
		case "all":
			return json.NewEncoder(os.Stdout).Encode(map[string]string{"idToken": t.ID, "accessToken": t.Access, "refreshToken": t.Refresh})
		default:
			return fmt.Errorf("-token %q: want id, access, refresh or all", token)
		}
	case "add-to-group":
		if !slices.Contains(routes.CognitoGroups, args[1]) {
			return fmt.Errorf("no group %q: the pool has %s", args[1], strings.Join(routes.CognitoGroups, ", "))
		}
		if err := pool.AddToGroup(ctx, args[0], args[1]); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "added %s to %s; tokens issued from now on list it (sign in again)\n", args[0], args[1])
	}
	return nil
}
