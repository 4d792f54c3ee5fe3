// Package pgembed runs a private PostgreSQL cluster from the server binaries
// installed on this machine, inside the portal's data directory.
//
// Layout under the data dir:
//
//	postgres/data        the cluster (initdb on first use)
//	postgres/run         the Unix socket (no TCP listener)
//	postgres/server.log  the server's log
//
// When the process runs as root, initdb and the server run as an
// unprivileged user ("postgres" if it exists, else "nobody"), since
// PostgreSQL refuses to run as root.
package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New(`PostgreSQL server binaries (initdb, pg_ctl, postgres) not found.
Install them, e.g. on Debian/Ubuntu: apt-get install -y postgresql
(or set DATABASE_URL to use an existing PostgreSQL server)`)

const (
	superuser = "portal"
	// The socket file is <dir>/.s.PGSQL.<port>; Unix socket paths are limited
	// to 107 bytes, so long data dirs fall back to a short temporary dir.
	maxSocketDir = 90
	port         = 5432
)

// Options tune a cluster.
type Options struct {
	// Fast turns off fsync and friends: for tests only.
	Fast bool
	Log  *slog.Logger
}

// Cluster is a running embedded PostgreSQL.
type Cluster struct {
	root      string
	binDir    string
	socketDir string
	cred      *syscall.Credential
	owned     bool // we started it, so we stop it
	log       *slog.Logger
}

// Start starts (or joins) the cluster under dataDir. If another process
// already runs the cluster, Start returns a Cluster that uses it and whose
// Stop leaves it running.
func Start(ctx context.Context, dataDir string, opts Options) (*Cluster, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	binDir, err := findBinaries()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dataDir, err)
	}
	c := &Cluster{root: filepath.Join(abs, "postgres"), binDir: binDir, log: log}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if running, sock := c.running(); running {
		c.socketDir = sock
		log.Info("using the embedded PostgreSQL another portal process started", "socket", sock)
		return c, nil
	}
	if err := c.initdb(ctx); err != nil {
		return nil, err
	}
	if err := c.start(ctx, opts.Fast); err != nil {
		return nil, err
	}
	c.owned = true
	if err := c.ensureDatabase(ctx, "portal"); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// URL is a connection string for database db.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.socketDir, port, superuser, db)
}

// Stop stops the server if this process started it.
func (c *Cluster) Stop() error {
	if !c.owned {
		return nil
	}
	c.owned = false
	out, err := c.run(context.Background(), "pg_ctl", "stop", "-D", c.pgdata(), "-m", "fast", "-w")
	if err != nil {
		return fmt.Errorf("stop embedded PostgreSQL: %w: %s", err, out)
	}
	c.log.Info("embedded PostgreSQL stopped")
	return nil
}

func (c *Cluster) pgdata() string { return filepath.Join(c.root, "data") }

func (c *Cluster) prepareDirs() error {
	if err := os.MkdirAll(c.root, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", c.root, err)
	}
	if c.cred == nil {
		return nil
	}
	if err := os.Chown(c.root, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("chown %s: %w", c.root, err)
	}
	if err := reachable(filepath.Dir(c.root), c.cred); err != nil {
		return err
	}
	return nil
}

// running reports whether a server already runs on this cluster, and where
// its socket is (read from postmaster.pid).
func (c *Cluster) running() (bool, string) {
	if _, err := os.Stat(filepath.Join(c.pgdata(), "PG_VERSION")); err != nil {
		return false, ""
	}
	if _, err := c.run(context.Background(), "pg_ctl", "status", "-D", c.pgdata()); err != nil {
		return false, ""
	}
	f, err := os.Open(filepath.Join(c.pgdata(), "postmaster.pid"))
	if err != nil {
		return false, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 1; sc.Scan(); i++ {
		if i == 5 { // line 5: first socket directory
			return true, strings.TrimSpace(sc.Text())
		}
	}
	return false, ""
}

func (c *Cluster) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.pgdata(), "PG_VERSION")); err == nil {
		return nil
	}
	c.log.Info("creating embedded PostgreSQL cluster (first run)", "dir", c.pgdata())
	out, err := c.run(ctx, "initdb", "-D", c.pgdata(), "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-instructions")
	if err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	return nil
}

func (c *Cluster) start(ctx context.Context, fast bool) error {
	sock := filepath.Join(c.root, "run")
	if len(sock) > maxSocketDir {
		tmp, err := os.MkdirTemp("", "portalpg")
		if err != nil {
			return fmt.Errorf("socket dir: %w", err)
		}
		sock = tmp
	} else if err := os.MkdirAll(sock, 0o700); err != nil {
		return fmt.Errorf("socket dir: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(sock, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("chown socket dir: %w", err)
		}
	}
	// The socket directory is 0700 and owned by the server's user, so only
	// that user (and root) can connect: trust auth stays private.
	serverOpts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c port=%d -c unix_socket_permissions=0700 -c max_connections=200", sock, port)
	if fast {
		serverOpts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	out, err := c.run(ctx, "pg_ctl", "start", "-D", c.pgdata(), "-w", "-t", "60",
		"-l", filepath.Join(c.root, "server.log"), "-o", serverOpts)
	if err != nil {
		return fmt.Errorf("start embedded PostgreSQL: %w: %s (see %s)", err, out, filepath.Join(c.root, "server.log"))
	}
	c.socketDir = sock
	c.log.Info("embedded PostgreSQL started", "socket", sock)
	return nil
}

func (c *Cluster) ensureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to embedded PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// Stop on our exit, not on the terminal's Ctrl-C: we stop it cleanly ourselves.
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// findBinaries finds a directory holding initdb, pg_ctl and postgres: first
// on PATH, then in Debian's and other common install locations.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dir := filepath.Dir(p)
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir = filepath.Dir(real)
		}
		if hasAll(dir) {
			return dir, nil
		}
	}
	var candidates []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql*/bin", "/usr/local/opt/postgresql*/bin"} {
		m, _ := filepath.Glob(pattern)
		candidates = append(candidates, m...)
	}
	sort.Slice(candidates, func(i, j int) bool { return versionOf(candidates[i]) > versionOf(candidates[j]) })
	for _, dir := range candidates {
		if hasAll(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(dir string) int {
	for _, part := range strings.Split(dir, string(filepath.Separator)) {
		part = strings.TrimPrefix(strings.TrimPrefix(part, "pgsql-"), "postgresql@")
		if n, err := strconv.Atoi(part); err == nil {
			return n
		}
	}
	return 0
}

func hasAll(dir string) bool {
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return false
		}
	}
	return true
}

func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root, but found no unprivileged user (postgres or nobody) to run PostgreSQL as; run the portal as a normal user or set DATABASE_URL")
}

// reachable checks that every directory from / down to dir can be traversed
// by the server's user, with a clear error when one cannot.
func reachable(dir string, cred *syscall.Credential) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok {
			mode := fi.Mode().Perm()
			var can bool
			switch {
			case st.Uid == cred.Uid:
				can = mode&0o100 != 0
			case st.Gid == cred.Gid:
				can = mode&0o010 != 0
			default:
				can = mode&0o001 != 0
			}
			if !can {
				return fmt.Errorf("running as root, the embedded PostgreSQL runs as uid %d, which cannot enter %s; choose a data dir it can reach with PORTAL_DATA_DIR (for example /var/lib/learning-portal)", cred.Uid, d)
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
