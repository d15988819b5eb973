package diskcheck

import (
	"os"
	"syscall"
)

// datasync makes the file's data durable without its timestamps, as
// SQLite's commits do on Linux.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) } // #nosec G115 -- a file descriptor fits an int
