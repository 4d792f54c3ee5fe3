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
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/internal/clock"
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
	// Clock tells how long the server has been down (clock.System when nil).
	Clock clock.Clock
	// InitCache, when set, is a directory that keeps one freshly initialised
	// cluster per PostgreSQL installation; a new cluster is a copy of it
	// instead of a new initdb (seconds each): for tests, which start one
	// cluster per test binary.
	InitCache string
}

// Cluster is a running embedded PostgreSQL.
type Cluster struct {
	root      string
	binDir    string
	socketDir string
	cred      *syscall.Credential
	fast      bool
	initCache string
	log       *slog.Logger
	clock     clock.Clock

	mu        sync.Mutex
	owned     bool          // we started it, so we stop it
	proc      *os.Process   // the postmaster, when this process started it
	exited    chan struct{} // closed when proc has exited
	stopping  bool
	downSince time.Time // zero while up
	attempts  int       // restart attempts since it went down
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
	clk := opts.Clock
	if clk == nil {
		clk = clock.System{}
	}
	c := &Cluster{root: filepath.Join(abs, "postgres"), binDir: binDir, log: log, fast: opts.Fast, initCache: opts.InitCache, clock: clk}
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
	if err := c.start(ctx); err != nil {
		return nil, err
	}
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

// Stop stops the server if this process started it (or restarted it).
func (c *Cluster) Stop() error {
	c.mu.Lock()
	c.stopping = true
	proc, exited, owned := c.proc, c.exited, c.owned
	c.owned = false
	c.mu.Unlock()
	if !owned || proc == nil {
		return nil
	}
	// SIGINT is PostgreSQL's fast shutdown: roll back open transactions,
	// write a checkpoint, exit.
	if err := proc.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop embedded PostgreSQL: %w", err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		_ = proc.Signal(syscall.SIGQUIT) // immediate shutdown
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			return errors.New("stop embedded PostgreSQL: the server did not exit")
		}
	}
	c.log.Info("embedded PostgreSQL stopped")
	return nil
}

// Supervise restarts the server whenever it dies, with exponential backoff
// (250 ms doubling up to 30 s between attempts), until ctx ends or Stop is
// called. It logs each death and each restart. A server this process
// started is watched as its child; one it joined is polled.
func (c *Cluster) Supervise(ctx context.Context) {
	for {
		if !c.waitDown(ctx) {
			return
		}
		c.mu.Lock()
		c.downSince = c.clock.Now()
		c.attempts = 0
		c.mu.Unlock()
		c.log.Error("embedded PostgreSQL is down; restarting it", "data", c.pgdata())
		delay := 250 * time.Millisecond
		for {
			if ctx.Err() != nil || c.isStopping() {
				return
			}
			c.mu.Lock()
			c.attempts++
			attempt := c.attempts
			c.mu.Unlock()
			err := c.restart(ctx)
			if err == nil {
				c.mu.Lock()
				down := c.clock.Now().Sub(c.downSince)
				c.downSince = time.Time{}
				c.mu.Unlock()
				c.log.Warn("embedded PostgreSQL restarted", "attempt", attempt, "down_for", down.Round(time.Millisecond))
				break
			}
			c.log.Error("restarting embedded PostgreSQL failed; trying again", "attempt", attempt, "in", delay, "err", err)
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			delay = min(2*delay, 30*time.Second)
		}
	}
}

// Down reports whether the server is down (as far as Supervise knows), since
// when, and how many restarts have been tried.
func (c *Cluster) Down() (down bool, since time.Time, attempts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.downSince.IsZero(), c.downSince, c.attempts
}

// Health is nil unless the server has been down for longer than after (by
// the cluster's clock) although Supervise kept restarting it.
func (c *Cluster) Health(after time.Duration) error {
	down, since, attempts := c.Down()
	if d := c.clock.Now().Sub(since); down && d > after {
		return fmt.Errorf("embedded PostgreSQL down for %s (%d restart attempts)", d.Round(time.Second), attempts)
	}
	return nil
}

func (c *Cluster) isStopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping
}

// waitDown blocks until the server dies (true), or ctx ends or Stop is
// called (false).
func (c *Cluster) waitDown(ctx context.Context) bool {
	c.mu.Lock()
	exited := c.exited
	c.mu.Unlock()
	if exited != nil {
		select {
		case <-exited:
			return ctx.Err() == nil && !c.isStopping()
		case <-ctx.Done():
			return false
		}
	}
	// Joined: another process is the server's parent. Poll.
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
		if c.isStopping() {
			return false
		}
		if pid, ok := c.lockPID(); !ok || !alive(pid) {
			return true
		}
	}
}

// restart starts the server again, unless another process already did.
func (c *Cluster) restart(ctx context.Context) error {
	if pid, ok := c.lockPID(); ok {
		if alive(pid) {
			c.mu.Lock()
			if c.proc == nil || c.proc.Pid != pid {
				c.proc, c.exited, c.owned = nil, nil, false // someone else's now: poll it
			}
			c.mu.Unlock()
			c.log.Info("embedded PostgreSQL was restarted by another process; using it")
			return nil
		}
		if zombie(pid) {
			// A dead postmaster nobody has reaped still holds its pid, and
			// PostgreSQL would refuse to start beside it.
			if err := os.Remove(filepath.Join(c.pgdata(), "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove stale postmaster.pid: %w", err)
			}
		}
	}
	return c.start(ctx)
}

// lockPID reads the postmaster's pid from postmaster.pid.
func (c *Cluster) lockPID() (int, bool) {
	b, err := os.ReadFile(filepath.Join(c.pgdata(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil && pid > 0
}

// alive reports whether process pid exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !zombie(pid)
}

// zombie reports whether pid has exited but was not reaped (Linux).
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
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
	if c.initCache != "" {
		return c.initFromCache(ctx)
	}
	c.log.Info("creating embedded PostgreSQL cluster (first run)", "dir", c.pgdata())
	return c.runInitdb(ctx, c.pgdata())
}

func (c *Cluster) runInitdb(ctx context.Context, dir string, extra ...string) error {
	args := append([]string{"-D", dir, "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-instructions"}, extra...)
	out, err := c.run(ctx, "initdb", args...)
	if err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	return nil
}

// initFromCache copies the cached fresh cluster of this installation (made
// on first use, keyed by the binaries' directory and initdb's size and
// modification time) into the data dir.
func (c *Cluster) initFromCache(ctx context.Context) error {
	fi, err := os.Stat(filepath.Join(c.binDir, "initdb"))
	if err != nil {
		return err
	}
	key := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(c.binDir)
	cached := filepath.Join(c.initCache, fmt.Sprintf("%s-%d-%d", key, fi.Size(), fi.ModTime().UnixNano()))
	if _, err := os.Stat(filepath.Join(cached, "PG_VERSION")); err != nil {
		if err := os.MkdirAll(c.initCache, 0o700); err != nil {
			return fmt.Errorf("initdb cache: %w", err)
		}
		if c.cred != nil {
			if err := os.Chown(c.initCache, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return fmt.Errorf("initdb cache: %w", err)
			}
		}
		// Made aside and renamed into place: processes starting at once
		// each make one, the first rename wins, the others' are removed.
		tmp := fmt.Sprintf("%s.tmp-%d", cached, os.Getpid())
		_ = os.RemoveAll(tmp)
		// Not flushed to disk: a cache for tests, made again if lost.
		if err := c.runInitdb(ctx, tmp, "--no-sync"); err != nil {
			_ = os.RemoveAll(tmp)
			return err
		}
		if err := os.Rename(tmp, cached); err != nil {
			_ = os.RemoveAll(tmp)
			if _, statErr := os.Stat(filepath.Join(cached, "PG_VERSION")); statErr != nil {
				return fmt.Errorf("initdb cache: %w", err)
			}
		}
	}
	if err := copyTree(cached, c.pgdata()); err != nil {
		_ = os.RemoveAll(c.pgdata())
		return fmt.Errorf("copy the cached cluster: %w", err)
	}
	return nil
}

// copyTree copies the directory tree src to dst (which must not exist),
// keeping permissions and owners.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, fi.Mode().Perm()); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			if err := copyFile(path, target, fi.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: not a file or directory", path)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
			if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
		}
		return os.Chmod(target, fi.Mode().Perm()) // past the umask
	})
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// start runs the postmaster as this process's child (so that Supervise
// learns at once when it dies) and waits until it accepts connections.
func (c *Cluster) start(ctx context.Context) error {
	sock := c.socketDir
	if sock == "" {
		sock = filepath.Join(c.root, "run")
		if len(sock) > maxSocketDir {
			tmp, err := os.MkdirTemp("", "portalpg")
			if err != nil {
				return fmt.Errorf("socket dir: %w", err)
			}
			sock = tmp
		}
	}
	if err := os.MkdirAll(sock, 0o700); err != nil {
		return fmt.Errorf("socket dir: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(sock, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("chown socket dir: %w", err)
		}
	}
	logPath := filepath.Join(c.root, "server.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close() // the server has its own copy
	// The socket directory is 0700 and owned by the server's user, so only
	// that user (and root) can connect: trust auth stays private.
	args := []string{"-D", c.pgdata(), "-c", "listen_addresses=", "-c", "unix_socket_directories=" + sock,
		"-c", fmt.Sprintf("port=%d", port), "-c", "unix_socket_permissions=0700", "-c", "max_connections=200"}
	if c.fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	keepDescriptorsToOurselves()
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Dir = c.root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: the terminal's Ctrl-C is ours to handle; we
	// stop it cleanly ourselves.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start embedded PostgreSQL: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	if err := c.waitReady(ctx, cmd.Process.Pid, exited); err != nil {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		return fmt.Errorf("start embedded PostgreSQL: %w (see %s)", err, logPath)
	}
	c.mu.Lock()
	c.proc, c.exited, c.owned, c.socketDir = cmd.Process, exited, true, sock
	c.mu.Unlock()
	c.log.Info("embedded PostgreSQL started", "socket", sock, "pid", cmd.Process.Pid)
	return nil
}

// waitReady waits until postmaster.pid names pid and says "ready", as
// pg_ctl -w does (crash recovery after a kill can take a while).
func (c *Cluster) waitReady(ctx context.Context, pid int, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			return errors.New("the server exited during start")
		case <-ctx.Done():
			return fmt.Errorf("the server did not get ready: %w", ctx.Err())
		case <-tick.C:
		}
		b, err := os.ReadFile(filepath.Join(c.pgdata(), "postmaster.pid"))
		if err != nil {
			continue
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) >= 8 && strings.TrimSpace(lines[0]) == strconv.Itoa(pid) && strings.TrimSpace(lines[7]) == "ready" {
			return nil
		}
	}
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
	keepDescriptorsToOurselves()
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

// keepDescriptorsToOurselves marks every file descriptor this process
// inherited (beyond stdin, stdout and stderr) close-on-exec, so PostgreSQL,
// which outlives the commands that start it, never holds one open. Go opens
// its own files close-on-exec already; inherited ones are not. A fuzz
// worker's pipes to its coordinator are such descriptors: a postmaster that
// held them made the coordinator wait for ever for the pipe to close.
func keepDescriptorsToOurselves() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return // not Linux: nothing to do that we know of
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
