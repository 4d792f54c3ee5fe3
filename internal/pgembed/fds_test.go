package pgembed

import (
	"os"
	"syscall"
	"testing"
)

// TestPostgresInheritsNoDescriptors: a descriptor this process inherited
// (like a fuzz worker's pipe to its coordinator) is not held open by the
// embedded PostgreSQL, which outlives the commands that start it.
func TestPostgresInheritsNoDescriptors(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// As if inherited: clear close-on-exec, which os.Pipe set.
	if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, w.Fd(), syscall.F_SETFD, 0); errno != 0 {
		t.Fatal(errno)
	}
	keepDescriptorsToOurselves()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, w.Fd(), syscall.F_GETFD, 0)
	if errno != 0 || flags&syscall.FD_CLOEXEC == 0 {
		t.Fatalf("an inherited descriptor stays open across exec (flags %d, %v)", flags, errno)
	}
	_ = w.Close()
}
