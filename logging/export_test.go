package logging

import "io"

// DefaultWriter is the writer New uses without WithWriter.
func DefaultWriter() io.Writer { return newConfig(nil).w }

// WriterOf is the writer New uses with opts.
func WriterOf(opts ...Option) io.Writer { return newConfig(opts).w }
