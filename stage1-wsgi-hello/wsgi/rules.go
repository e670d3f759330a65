package wsgi

import "fmt"

// Rule names one rule of PEP 3333 that Validate and the Check functions
// enforce. Its text says who must keep it, the server or the app.
//
// A Rule is an error, so a test asks which rule a violation broke with
// errors.Is(err, wsgi.RuleStatus).
type Rule string

// Error returns the rule's text.
func (r Rule) Error() string { return string(r) }

// The rules, grouped by who breaks them.
const (
	// The environ the server builds.
	RuleEnvironKey       Rule = "server: environ lacks a required CGI key"
	RuleEnvironDuplicate Rule = "server: environ sets a key twice"
	RuleScriptName       Rule = "server: SCRIPT_NAME must be empty or start with /"
	RulePathInfo         Rule = "server: PATH_INFO must be empty or start with /"
	RuleContentLength    Rule = "server: CONTENT_LENGTH must be digits"
	RuleContentHeaderKey Rule = "server: HTTP_CONTENT_TYPE and HTTP_CONTENT_LENGTH must not be set"
	RuleURLScheme        Rule = "server: wsgi.url_scheme must be http or https"
	RuleErrorsStream     Rule = "server: wsgi.errors must not be nil"

	// The response the app gives.
	RuleStatus          Rule = `app: status must be "NNN Reason"`
	RuleHeaderName      Rule = "app: header name must be an RFC 9110 token"
	RuleHeaderValue     Rule = "app: header value must hold no control characters but tab"
	RuleHopByHop        Rule = "app: hop-by-hop headers are the server's to set"
	RuleStartTwice      Rule = "app: start_response called again without exc_info"
	RuleStartBeforeBody Rule = "app: start_response must be called before the first non-empty chunk"
	RuleNoStart         Rule = "app: body ended without start_response being called"
	RuleNilBody         Rule = "app: returned a nil Body with a nil error"
	RuleWriteAfterClose Rule = "app: write() called after the body was closed"

	// How the server drives the response.
	RuleReRaise        Rule = "server: start_response with exc_info after the headers were sent must re-raise"
	RuleNilWrite       Rule = "server: start_response returned no write() callable"
	RuleNextAfterEnd   Rule = "server: Next called after the body ended"
	RuleNextAfterClose Rule = "server: Next called after Close"
	RuleCloseTwice     Rule = "server: Close called twice"
	RuleNeverClosed    Rule = "server: body never closed"
)

// Violation is one broken rule, with what was seen. It wraps both ErrInvalid
// and its Rule.
type Violation struct {
	Rule   Rule
	Detail string // what was seen, e.g. `status "200OK"`
}

func violation(rule Rule, format string, args ...any) *Violation {
	return &Violation{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// Error reads "wsgi: invalid: <rule>: <detail>".
func (v *Violation) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalid, v.Rule, v.Detail)
}

// Unwrap lets errors.Is match ErrInvalid and the Rule.
func (v *Violation) Unwrap() []error { return []error{ErrInvalid, v.Rule} }
