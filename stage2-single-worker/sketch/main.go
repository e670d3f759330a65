// Command sketch is chapter 2's idea in one page: a server that reads an
// HTTP request's line and headers from a socket, makes them a WSGI environ,
// and answers with what a wsgi.App returns: a Python app, run by stage 1.
//
//	go run ./stage2-single-worker/sketch 127.0.0.1:8000 shared/examples hello:app
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"strings"

	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: sketch ADDRESS DIR MODULE:APP")
	}
	app, err := pyapp.Load(os.Args[3], pyapp.Options{Chdir: os.Args[2]}) // its python3 ends with us
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("Listening at: http://%s (%d)", ln.Addr(), os.Getpid())
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(conn, app) // a goroutine for each connection
	}
}

// serve reads one request from conn, answers it and closes the connection.
func serve(conn net.Conn, app wsgi.App) {
	defer conn.Close()
	status, headers, body := "400 Bad Request", []wsgi.Header(nil), []byte(nil)
	if env, err := readRequest(bufio.NewReader(conn), conn); err == nil {
		status, headers, body = call(app, env)
	}
	head := "HTTP/1.1 " + status + "\r\n"
	for _, h := range headers {
		head += h.Name + ": " + h.Value + "\r\n"
	}
	head += "Connection: close\r\n\r\n" // and closing the connection ends the body
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		log.Printf("write the response: %v", err)
	}
}

// readRequest reads the request line and the header lines, up to the empty
// line, into an environ. An error means the request is malformed.
func readRequest(r *bufio.Reader, conn net.Conn) (*wsgi.Environ, error) {
	line, err := r.ReadString('\n') // "GET /hello?x=1 HTTP/1.1\r\n"
	parts := strings.Split(strings.TrimRight(line, "\r\n"), " ")
	if err != nil || len(parts) != 3 {
		return nil, fmt.Errorf("bad request line %q", line)
	}
	target, err := url.ParseRequestURI(parts[1]) // "/a%20b?x=1": Path "/a b", RawQuery "x=1"
	if err != nil {
		return nil, err
	}
	local, remote := conn.LocalAddr().(*net.TCPAddr), conn.RemoteAddr().(*net.TCPAddr)
	env := &wsgi.Environ{URLScheme: "http", Vars: []wsgi.Var{
		{Key: "REQUEST_METHOD", Value: parts[0]}, {Key: "SCRIPT_NAME", Value: ""},
		{Key: "PATH_INFO", Value: target.Path}, {Key: "QUERY_STRING", Value: target.RawQuery},
		{Key: "SERVER_NAME", Value: local.IP.String()}, {Key: "SERVER_PORT", Value: fmt.Sprint(local.Port)},
		{Key: "SERVER_PROTOCOL", Value: parts[2]}, {Key: "REMOTE_ADDR", Value: remote.IP.String()},
	}}
	for {
		line, err := r.ReadString('\n') // "User-Agent: curl/7.88.1\r\n"
		if line = strings.TrimRight(line, "\r\n"); line == "" && err == nil {
			return env, nil // the empty line ends the head
		}
		name, value, found := strings.Cut(line, ":")
		if err != nil || !found {
			return nil, fmt.Errorf("bad header line %q (%v)", line, err)
		}
		key := strings.ToUpper(strings.ReplaceAll(name, "-", "_")) // USER_AGENT
		if key != "CONTENT_TYPE" && key != "CONTENT_LENGTH" {
			key = "HTTP_" + key
		}
		env.Set(key, strings.TrimSpace(value))
	}
}

// call calls the app and collects its response, or makes a 500 of its error.
func call(app wsgi.App, env *wsgi.Environ) (status string, headers []wsgi.Header, body []byte) {
	iter, err := app.Call(env, func(s string, h []wsgi.Header, _ error) (wsgi.Write, error) {
		status, headers = s, h
		return nil, nil // no write(): a Python app's comes back as chunks
	})
	for chunk := []byte(nil); err == nil; chunk, err = iter.Next() {
		body = append(body, chunk...) // every chunk, until io.EOF
	}
	if iter != nil {
		iter.Close()
	}
	if err != io.EOF {
		log.Printf("the app failed: %v", err)
		return "500 Internal Server Error", nil, nil
	}
	return status, headers, body
}
