package pgauth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/auth/pgauth"
	"github.com/awareportal/portal/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestLimiterWindowsAndPrune(t *testing.T) {
	db := testenv.DB(t)
	l := pgauth.Limiter{Pool: db.Pool}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	lim := auth.Limit{N: 2, Window: 15 * time.Minute}
	for i, want := range []bool{true, true, false} {
		ok, _, err := l.Hit(ctx, "email:a@b.example", lim, t0)
		if err != nil || ok != want {
			t.Fatalf("hit %d: %v %v", i+1, ok, err)
		}
	}
	if ok, _, _ := l.Hit(ctx, "email:a@b.example", lim, t0.Add(15*time.Minute)); !ok {
		t.Fatal("new window still limited")
	}
	if err := l.Prune(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM rate_limits`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after prune: %d windows (%v), want 1", n, err)
	}
}

func TestSessionsExpireAndPrune(t *testing.T) {
	db := testenv.DB(t)
	s := pgauth.Sessions{Pool: db.Pool}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	secret, err := s.Create(ctx, auth.Session{Ref: "0b4f7b1c-2f0e-4c3d-9a6b-1a2b3c4d5e6f", RequestID: "r", Email: "a@b.example", Method: "email_link",
		CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(auth.AbsoluteTimeout)}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	// Sliding: used every 29 days, it lives until the absolute cap.
	at := t0
	for at.Add(29 * 24 * time.Hour).Before(t0.Add(auth.AbsoluteTimeout)) {
		at = at.Add(29 * 24 * time.Hour)
		if _, err := s.Get(ctx, secret, at); err != nil {
			t.Fatalf("at %s: %v", at, err)
		}
	}
	if _, err := s.Get(ctx, secret, t0.Add(auth.AbsoluteTimeout)); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("after the absolute cap: %v", err)
	}
	if err := s.Prune(ctx, t0.Add(auth.AbsoluteTimeout+time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d sessions left after prune (%v)", n, err)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	db := testenv.DB(t)
	s := pgauth.Sessions{Pool: db.Pool}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	secret, err := s.Create(ctx, auth.Session{Ref: "1b4f7b1c-2f0e-4c3d-9a6b-1a2b3c4d5e6f", RequestID: "r", Email: "a@b.example", Method: "email_link",
		CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(auth.AbsoluteTimeout)}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, secret, t0.Add(auth.IdleTimeout)); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("30 idle days: %v", err)
	}
	var stored []byte
	if err := db.Pool.QueryRow(ctx, `SELECT id_hash FROM sessions`).Scan(&stored); err != nil || string(stored) == secret {
		t.Fatal("session secret stored in clear")
	}
}
