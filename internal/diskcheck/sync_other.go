//go:build !linux

package diskcheck

import "os"

// datasync makes the file's data durable.
func datasync(f *os.File) error { return f.Sync() }
