// Package migrations holds CivicQ's PostgreSQL schema as numbered goose SQL
// migrations (NNNNN_name.sql, each with "-- +goose Up" and "-- +goose Down"
// sections), embedded into the binary so that the migrate function and the local
// stack apply exactly the files that were built with them. Apply them with
// package shared/migrate; never edit a file that has been deployed, add a new one.
//
// Every city-owned table carries city_id NOT NULL (the future sharding key), and
// its foreign keys to other city-owned tables include city_id, so a row can never
// point at a parent in another city.
package migrations

import "embed"

// FS holds the migration files, named for goose's ordering (00001_extensions.sql, ...).
//
//go:embed *.sql
var FS embed.FS
