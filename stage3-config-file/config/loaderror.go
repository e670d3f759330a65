package config

import "fmt"

// loadError is an error whose message is written for the operator, exactly,
// and which wraps one sentinel (ErrUsage, ErrInvalid, ErrConfigFile) for
// errors.Is, besides any cause the message wraps with %w.
type loadError struct {
	kind error
	err  error
}

func (e *loadError) Error() string   { return e.err.Error() }
func (e *loadError) Unwrap() []error { return []error{e.kind, e.err} }

// errorf builds a loadError of the given kind; format may use %w.
func errorf(kind error, format string, args ...any) error {
	return &loadError{kind: kind, err: fmt.Errorf(format, args...)}
}
