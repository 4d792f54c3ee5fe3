package testenv

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DumpSchema writes every row of the schema's tables (all of them when
// none are named) as "table {json}" lines in a stable order, so two read
// models can be compared byte for byte (live against rebuilt).
func DumpSchema(t testing.TB, ctx context.Context, pool *pgxpool.Pool, schema string, tables ...string) string {
	t.Helper()
	if len(tables) == 0 {
		rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, schema)
		if err != nil {
			t.Fatal(err)
		}
		if tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	for _, tbl := range tables {
		rows, err := pool.Query(ctx, `SELECT to_jsonb(x)::text FROM `+pgx.Identifier{schema, tbl}.Sanitize()+` x ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			b.WriteString(tbl + " " + l + "\n")
		}
	}
	return b.String()
}
