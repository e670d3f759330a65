package wsgi

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// NewRequest builds the *http.Request a net/http handler would have been given
// for the request an environ describes, the reverse of what a WSGI server
// does when it fills an environ:
//
//   - Method from REQUEST_METHOD, Proto from SERVER_PROTOCOL;
//   - URL.Path from SCRIPT_NAME+PATH_INFO, URL.RawQuery from QUERY_STRING,
//     RequestURI from RAW_URI (the request-target as sent) when present;
//   - Header from the HTTP_* keys (HTTP_X_REAL_IP becomes X-Real-Ip) and
//     CONTENT_TYPE/CONTENT_LENGTH; Host from HTTP_HOST, else SERVER_NAME:PORT;
//   - RemoteAddr from REMOTE_ADDR:REMOTE_PORT, Body from Input;
//   - TLS set (to an empty state) when wsgi.url_scheme is https, since
//     handlers test r.TLS != nil for that.
//
// The request's context is ctx. It returns an error when the environ cannot
// describe an HTTP request (bad SERVER_PROTOCOL or CONTENT_LENGTH).
func NewRequest(ctx context.Context, env *Environ) (*http.Request, error) {
	get := func(key string) string { v, _ := env.Get(key); return v }

	proto := get("SERVER_PROTOCOL")
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return nil, fmt.Errorf("wsgi: request: SERVER_PROTOCOL %q is not an HTTP version", proto)
	}
	u := &url.URL{Path: get("SCRIPT_NAME") + get("PATH_INFO"), RawQuery: get("QUERY_STRING")}
	requestURI, hasRaw := env.Get("RAW_URI")
	if hasRaw {
		// Keep the client's escaping (%2F stays %2F) when it spells the same path.
		if raw, err := url.ParseRequestURI(requestURI); err == nil && raw.Path == u.Path {
			u.RawPath = raw.RawPath
		}
	} else {
		requestURI = u.RequestURI()
	}

	r := &http.Request{
		Method:     get("REQUEST_METHOD"),
		URL:        u,
		Proto:      proto,
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     http.Header{},
		Body:       http.NoBody,
		Host:       get("HTTP_HOST"),
		RemoteAddr: get("REMOTE_ADDR"),
		RequestURI: requestURI,
	}
	for _, v := range env.Vars {
		name, ok := strings.CutPrefix(v.Key, "HTTP_")
		switch {
		case v.Key == "CONTENT_TYPE" || v.Key == "CONTENT_LENGTH":
			name = v.Key
		case !ok || name == "HOST":
			continue
		}
		name = textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(name, "_", "-"))
		r.Header.Add(name, v.Value)
	}
	if r.Host == "" {
		r.Host = get("SERVER_NAME")
		if port := get("SERVER_PORT"); port != "" {
			r.Host = net.JoinHostPort(r.Host, port)
		}
	}
	if port := get("REMOTE_PORT"); port != "" {
		r.RemoteAddr = net.JoinHostPort(r.RemoteAddr, port)
	}
	if env.URLScheme == "https" {
		r.TLS = &tls.ConnectionState{}
	}

	// The server has already de-chunked the body; what is left to say is its
	// length, when known, as net/http's own server would.
	switch length, hasLength := env.Get("CONTENT_LENGTH"); {
	case hasLength:
		n, err := strconv.ParseInt(length, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("wsgi: request: CONTENT_LENGTH %q is not a length", length)
		}
		r.ContentLength = n
	case strings.Contains(strings.ToLower(get("HTTP_TRANSFER_ENCODING")), "chunked"):
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		r.Header.Del("Transfer-Encoding")
	}
	if env.Input != nil && r.ContentLength != 0 {
		r.Body = io.NopCloser(env.Input)
	}
	return r.WithContext(ctx), nil
}
