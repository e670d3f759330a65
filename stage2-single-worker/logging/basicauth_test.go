package logging

import "testing"

// TestBasicAuthUser: the user of an Authorization header by gunicorn's
// rules. The expectations are what gunicorn's own code (since 22) gives for
// each value, under Python's lenient base64.
func TestBasicAuthUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, authorization string
		user                string
		ok                  bool
	}{
		{"user and password", "Basic YWxpY2U6c2VjcmV0", "alice", true},
		{"any case", "bAsIc YWxpY2U6c2VjcmV0", "alice", true},
		{"no password", "Basic YWxpY2U6", "alice", true},
		{"empty user", "Basic OnNlY3JldA==", "", true},
		{"first colon", "Basic YTpiOmM=", "a", true}, // a:b:c
		{"no colon", "Basic YWxpY2U=", "alice", true},
		{"latin-1 password", "Basic YWxpY2U6pw==", "alice", true}, // alice:\xa7
		{"utf-8 user", "Basic am9zw6k6eA==", "jos\xc3\xa9", true},
		{"latin-1 user", "Basic am9z6Tp4", "", false}, // jos\xe9:x
		{"not basic", "Bearer YWxpY2U6c2VjcmV0", "", false},
		{"no space", "BasicYWxpY2U6c2VjcmV0", "", false},
		{"empty", "", "", false},
		{"just basic", "Basic", "", false},
		// Anything starting "basic" with a space will do, as in gunicorn.
		{"basic-ish scheme", "Basically YWxpY2U6c2VjcmV0", "alice", true},
		// Lenient base64: spaces and other non-alphabet bytes are skipped…
		{"spaces", "Basic   YWxp Y2U6 c2Vj cmV0  ", "alice", true},
		{"junk bytes", "Basic YWx\xe9pY2U6-_c2VjcmV0", "alice", true},
		// …the padding that completes a group ends the input…
		{"after padding", "Basic YWxpY2U=garbage", "alice", true},
		{"early pad ignored", "Basic =YWxpY2U6c2VjcmV0", "alice", true},
		// …and an incomplete last group fails.
		{"missing padding", "Basic YWxpY2U", "", false},
		{"one char over", "Basic YWxpY2U6c2VjcmV0Y", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			user, ok := BasicAuthUser(tc.authorization)
			if user != tc.user || ok != tc.ok {
				t.Errorf("BasicAuthUser(%q) = %q, %v; want %q, %v", tc.authorization, user, ok, tc.user, tc.ok)
			}
		})
	}
}
