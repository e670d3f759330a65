package wsgi

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewEnviron(t *testing.T) {
	env := NewEnviron("POST", "/caf%C3%A9?x=1", NewBytesInput([]byte("a=b")))
	require.NoError(t, CheckEnviron(env), "a made-up request must still be a valid environ")
	for key, want := range map[string]string{
		"REQUEST_METHOD": "POST",
		"PATH_INFO":      "/caf\xc3\xa9",
		"QUERY_STRING":   "x=1",
		"RAW_URI":        "/caf%C3%A9?x=1",
	} {
		got, ok := env.Get(key)
		require.True(t, ok, key)
		require.Equal(t, want, got, key)
	}
	buf, ok := env.Input.(InputBuffer)
	require.True(t, ok, "a BytesInput is an InputBuffer")
	data, path := buf.Buffered()
	require.Equal(t, "a=b", string(data))
	require.Empty(t, path)
	read, err := io.ReadAll(env.Input)
	require.NoError(t, err)
	require.Equal(t, "a=b", string(read))
}
