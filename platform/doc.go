// Package platform keeps operating-system differences in one place: which
// OS and architecture the program runs on, line-ending conversion, the set of
// signals that mean "shut down", and advisory file locks.
//
// # OS and architecture
//
// [OS] and [Arch] return runtime.GOOS and runtime.GOARCH; [IsWindows] is
// OS() == "windows".
//
//	if platform.IsWindows() {
//		// ...
//	}
//
// # Line endings
//
// Files written on one system are read on another, so readers normalise and
// writers may convert to the native form:
//
//	normalized := platform.NormalizeLineEndings(data) // "\r\n" -> "\n"
//	native := platform.ToPlatformLineEndings(data)    // "\n" -> "\r\n" on Windows only
//
// [NormalizeLineEndings] replaces each CRLF with LF and keeps a lone CR.
// [PlatformLineEnding] is "\r\n" on Windows and "\n" elsewhere.
// [ToPlatformLineEndings] returns its input itself everywhere but Windows; on
// Windows it normalises first, so an existing CRLF never doubles its CR.
//
// # Shutdown signals
//
// [ShutdownSignals] is the set lifecycle and server listen on: SIGINT and
// SIGTERM on Unix, os.Interrupt on Windows. Each call returns a new slice.
//
//	ctx, stop := signal.NotifyContext(ctx, platform.ShutdownSignals()...)
//	defer stop()
//
// # File locks
//
// [Lock] and [TryLock] take an exclusive advisory lock on a lock file: flock
// on Unix and LockFileEx on Windows, both through golang.org/x/sys. The path
// is made absolute, its directory is created with mode 0700 and the file with
// mode 0600.
//
//	l, err := platform.TryLock(filepath.Join(dir, runID+".lock"))
//	if errors.Is(err, platform.ErrLocked) {
//		// another process (or goroutine) runs this job
//	}
//	if err != nil {
//		return err
//	}
//	defer l.Unlock()
//
// [TryLock] never waits: it returns [ErrLocked] while another holder has the
// lock, and any other failure, such as a directory that cannot be written, as
// an error prefixed "platform: lock:" that wraps the cause. [Lock] waits until
// it holds the lock or its context ends; in the second case the error matches
// errors.Is(err, ctx.Err()) and no lock is held.
//
// The locks are advisory: they exclude only other lockers, never plain
// readers or writers. They belong to an open file, not to a process, so two
// [FileLock] values on one path exclude each other even inside a single
// process, exactly as they do across processes. The operating system drops
// a lock when its holder exits, even on a crash.
//
// [FileLock.Unlock] releases the lock and closes the file but leaves the file
// on disk, because deleting it could let a waiter lock a file that no longer
// has a name while a newcomer locks a new one. Unlock may be called twice or
// from several goroutines; only the first call does the work. A FileLock
// that is never unlocked keeps its lock until the process exits.
//
// On Unix a FileLock holds a bare descriptor, not an *os.File, and the
// directory is created only when opening the file fails for want of it, so
// an uncontended lock and unlock cost four system calls: open, flock,
// flock and close. The lock itself, flock on a descriptor already open,
// is a quarter of that; the rest is opening and closing the file, which
// the contract above requires on every lock.
//
// [LockFile] locks a file that is already open, for example a data file
// during a batch of writes, and returns the function that releases it. On
// Windows the locked byte lies at offset 1<<62, far past any data, so the lock
// never blocks reads or writes of the file itself. A second LockFile on the
// same *os.File is where the systems differ: on Unix it returns at once with
// the lock the file already holds, and either release drops it; on Windows
// it waits until the first lock is released or its context ends.
//
// # Waiting
//
// A blocking flock or LockFileEx call cannot be cancelled, so [Lock] and
// [LockFile] never make one. They retry the non-blocking form and sleep on a
// timer between attempts, starting at 1ms and doubling up to 50ms, returning
// as soon as ctx ends. Waiting costs no CPU and starts no goroutine, but it
// is not fair: waiters are not served in arrival order, and a released lock
// is taken up to 50ms later.
//
// # Concurrency
//
// Every function of the package and every method of *FileLock is safe for
// concurrent use. The package has no mutable global state.
//
// # Errors
//
// platform is a leaf module and does not use mist-go's errors package. Its
// errors are plain errors whose text starts with "platform:" and names the
// offending path; match [ErrLocked] and context errors with errors.Is.
package platform
