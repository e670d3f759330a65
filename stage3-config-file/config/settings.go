package config

import (
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage2-single-worker/server"
)

// Settings holds every setting's value once Load has resolved them. Field
// names follow gunicorn's setting names; durations are whole seconds, as in
// gunicorn. The table (All) says which source may set each one.
type Settings struct {
	Config  string // config: the config file, or python:MODULE
	WSGIApp string // wsgi_app: the app, MODULE:CALLABLE; "" when none was given

	Bind    []string // bind: addresses to listen on; see bind.Parse
	Backlog int      // backlog: pending connections the kernel queues

	Workers           int // workers: worker processes
	Threads           int // threads: threads per worker
	MaxRequests       int // max_requests: requests before a worker restarts; 0 = never
	MaxRequestsJitter int // max_requests_jitter: random extra requests per worker
	WorkerConnections int // worker_connections: client connections per worker
	Timeout           int // timeout: seconds of worker silence before it is killed
	GracefulTimeout   int // graceful_timeout: seconds in-flight requests get on TERM
	KeepAlive         int // keepalive: seconds an idle keep-alive connection is kept

	LimitRequestLine      int // limit_request_line: bytes; 0 = unlimited
	LimitRequestFields    int // limit_request_fields: header fields
	LimitRequestFieldSize int // limit_request_field_size: bytes per header line
	LimitRequestBody      int // limit_request_body: bytes; 0 = unlimited
	RequestSpoolLimit     int // request_spool_limit: bytes of request bodies on disk, all connections together
	ResponseSpoolLimit    int // response_spool_limit: bytes of all responses on disk together; 0 = no spooling

	CheckConfig bool // check_config: load the config and the app, then exit
	PrintConfig bool // print_config: print the settings, then exit

	ReusePort           bool              // reuse_port: set SO_REUSEPORT
	Chdir               string            // chdir: absolute directory to change to before loading the app
	RawEnv              []string          // raw_env: KEY=VALUE pairs for the app's environment
	PidFile             string            // pidfile: "" for none
	Daemon              bool              // daemon: detach from the terminal and run in the background
	WorkerTmpDir        string            // worker_tmp_dir: "" for the system's temp dir
	User                string            // user: name or id; "" = do not switch
	Group               string            // group: name or id; "" = do not switch
	Umask               int               // umask: file mode mask
	ForwardedAllowIPs   []string          // forwarded_allow_ips: proxies trusted for secure_scheme_headers
	SecureSchemeHeaders map[string]string // secure_scheme_headers: header → value meaning https
	PythonPath          []string          // pythonpath: directories put first on sys.path
	Python              string            // python: the interpreter that runs the app (gunicorn-go's own)

	AccessLog       string // accesslog: "" for none, "-" for stdout
	AccessLogFormat string // access_log_format
	ErrorLog        string // errorlog: "-" for stderr
	LogLevel        string // loglevel: debug, info, warning, error, critical
	CaptureOutput   bool   // capture_output: app stdout/stderr into the error log

	ProcName string // proc_name: "" = the app's name

	CertFile             string // certfile: "" = plain HTTP
	KeyFile              string // keyfile
	CACerts              string // ca_certs
	CertReqs             int    // cert_reqs: 0 none, 1 optional, 2 required
	DoHandshakeOnConnect bool   // do_handshake_on_connect: accepted; the handshake always comes first
	Ciphers              string // ciphers: an OpenSSL cipher list; "" = Go's defaults
	SSLVersion           string // ssl_version: a name of Python's ssl.PROTOCOL_* ("TLS", "TLSv1_2")
}

// The sections, in the order --help and the docs show them.
const (
	SectionConfig    = "Config File"
	SectionSocket    = "Server Socket"
	SectionWorkers   = "Worker Processes"
	SectionSecurity  = "Security"
	SectionDebugging = "Debugging"
	SectionMechanics = "Server Mechanics"
	SectionLogging   = "Logging"
	SectionNaming    = "Process Naming"
	SectionSSL       = "SSL"
)

const (
	expectPositive    = "a positive integer"
	expectNonNegative = "a non-negative integer"
	expectBool        = "True or False"
	expectPath        = "a path"
)

// All returns the settings table, in the order --help shows it. The slice is
// shared: do not modify it.
func All() []Setting { return table }

// Lookup returns the setting with the given config-file name.
func Lookup(name string) (Setting, bool) {
	for _, s := range table {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

var table = []Setting{
	// Config File
	{
		Name: "config", Section: SectionConfig, Flags: []string{"-c", "--config"}, Meta: "CONFIG",
		Kind: KindStr, Default: "./gunicorn.conf.py", Expect: "a path or python:MODULE", Stage: 3,
		Help: "The config file, a Python file, or python:MODULE.",
		Doc: "gunicorn.conf.py in the current directory is read when it exists. The file is Python and is run by " +
			"the real interpreter, so imports, arithmetic and os.environ work: the one --python or GUNICORN_CMD_ARGS " +
			"names, else the one the python setting's default finds (never a python set inside the file itself, " +
			"which chooses the app's interpreter only). Its top-level names that are settings become settings; " +
			"python:MODULE imports a module instead. " +
			"Only the command line and GUNICORN_CMD_ARGS can set it.",
		field: func(s *Settings) any { return &s.Config },
	},
	{
		Name: "wsgi_app", Section: SectionConfig, Positional: true, Meta: "APP", Kind: KindOptStr, Default: "", Expect: "a string MODULE:CALLABLE", Stage: 2,
		Help: "The app to serve, MODULE:CALLABLE.",
		Doc: "The same as the APP argument: MODULE:CALLABLE (for example project.wsgi:application), MODULE (the " +
			"callable is application), MODULE:FACTORY() or go:NAME. The APP argument wins over the config file.",
		field: func(s *Settings) any { return &s.WSGIApp },
	},

	// Server Socket
	{
		Name: "bind", Section: SectionSocket, Flags: []string{"-b", "--bind"}, Meta: "ADDRESS",
		Kind: KindList, Default: []string{"127.0.0.1:8000"}, DefaultDoc: "['127.0.0.1:8000'], or ['0.0.0.0:$PORT'] when PORT is set",
		Expect: "HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N", Stage: 2, check: eachBind,
		Help: "The socket to bind; repeat for more.",
		Doc: "HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N. Repeat the flag, or give a list in the config file, " +
			"to listen on several: requests from all of them go to the same workers. Stages 2 to 4 serve the TCP " +
			"addresses and warn about the others. From stage 5 every form is served: a host name on every address " +
			"it resolves to (localhost: 127.0.0.1 and ::1); unix:PATH on a socket file made with umask applied, " +
			"owned by user and group when they are set, that replaces one a dead server left, is refused when a " +
			"live server listens on it, and is removed at exit (not at HUP); fd://N on a listening socket already " +
			"open as descriptor N. Sockets systemd passes (LISTEN_FDS) are served instead of the binds.",
		envDefault: fromEnvVar("PORT", func(port string) string { return "0.0.0.0:" + port }),
		field:      func(s *Settings) any { return &s.Bind },
	},
	{
		Name: "backlog", Section: SectionSocket, Flags: []string{"--backlog"}, Meta: "INT",
		Kind: KindInt, Default: 2048, Expect: expectPositive, Stage: 5, check: atLeast(1),
		Help:  "The most pending connections the kernel queues.",
		Doc:   "Clients beyond this many waiting connections are refused. 64 to 2048 is usual. From stage 5, on the sockets the server opens; one from systemd or fd:// keeps the backlog it was made with.",
		field: func(s *Settings) any { return &s.Backlog },
	},

	// Worker Processes
	{
		Name: "workers", Section: SectionWorkers, Flags: []string{"-w", "--workers"}, Meta: "INT",
		Kind: KindInt, Default: 1, DefaultDoc: "$WEB_CONCURRENCY, else 1", Expect: expectPositive, Stage: 4, check: atLeast(1),
		Help: "The number of worker processes.",
		Doc: "Two to four per CPU core is a common start; gunicorn's docs suggest 2 * cores + 1. When unset, the " +
			"WEB_CONCURRENCY environment variable gives the default. Before stage 4, one worker runs whatever the value.",
		envDefault: fromEnvVar("WEB_CONCURRENCY", nil),
		field:      func(s *Settings) any { return &s.Workers },
	},
	{
		Name: "threads", Section: SectionWorkers, Flags: []string{"--threads"}, Meta: "INT",
		Kind: KindInt, Default: 1, Expect: expectPositive, check: atLeast(1), Stage: 2,
		Help: "The number of threads per worker.",
		Doc: "How many requests one worker process runs at once, each on a Python thread of its own, as " +
			"gunicorn's gthread worker does; the app must then be thread-safe. With 1, the worker's main thread " +
			"runs the app.",
		field: func(s *Settings) any { return &s.Threads },
	},
	{
		Name: "max_requests", Section: SectionWorkers, Flags: []string{"--max-requests"}, Meta: "INT",
		Kind: KindInt, Default: 0, Expect: expectNonNegative, Stage: 4, check: atLeast(0),
		Help:  "Requests a worker serves before it is restarted; 0 never restarts.",
		Doc:   "A simple guard against memory leaks in the app.",
		field: func(s *Settings) any { return &s.MaxRequests },
	},
	{
		Name: "max_requests_jitter", Section: SectionWorkers, Flags: []string{"--max-requests-jitter"}, Meta: "INT",
		Kind: KindInt, Default: 0, Expect: expectNonNegative, Stage: 4, check: atLeast(0),
		Help:  "The most extra requests, chosen at random per worker, added to max_requests.",
		Doc:   "Spreads the restarts so that the workers do not all restart at once.",
		field: func(s *Settings) any { return &s.MaxRequestsJitter },
	},
	{
		Name: "worker_connections", Section: SectionWorkers, Flags: []string{"--worker-connections"}, Meta: "INT",
		Kind: KindInt, Default: 1000, Expect: expectPositive, check: atLeast(1), Stage: 4,
		Help: "The most client connections per worker.",
		Doc: "The master holds at most workers × worker_connections client connections; past that it closes an " +
			"idle keep-alive connection, or stops accepting until one closes, so an overload waits in the kernel's " +
			"listen queue rather than bring the master down.",
		field: func(s *Settings) any { return &s.WorkerConnections },
	},
	{
		Name: "timeout", Section: SectionWorkers, Flags: []string{"-t", "--timeout"}, Meta: "INT",
		Kind: KindInt, Default: 30, Expect: expectNonNegative, check: atLeast(0), Stage: 2,
		Help: "Seconds a worker may stay silent before it is killed and restarted.",
		Doc: "A worker whose app says nothing in a request for this long (no part of the answer, although it " +
			"had room to send one) is considered stuck (from stage 4, which runs workers); a response that " +
			"streams, or waits for a slow client, is not. 0 disables that check. From stage 2 it also bounds each wait on a client: for a request " +
			"head, for each read of a body, for each write. There 0 keeps the bound at 30 s, since a server " +
			"without one can be held open by clients that send nothing.",
		field: func(s *Settings) any { return &s.Timeout },
	},
	{
		Name: "graceful_timeout", Section: SectionWorkers, Flags: []string{"--graceful-timeout"}, Meta: "INT",
		Kind: KindInt, Default: 30, Expect: expectNonNegative, check: atLeast(0), Stage: 2,
		Help:  "Seconds requests in flight get to finish after TERM.",
		Doc:   "After a graceful stop or restart begins, workers still busy after this long are killed.",
		field: func(s *Settings) any { return &s.GracefulTimeout },
	},
	{
		Name: "keepalive", Section: SectionWorkers, Flags: []string{"--keep-alive"}, Meta: "INT",
		Kind: KindInt, Default: 2, Expect: expectNonNegative, check: atLeast(0), Stage: 2,
		Help: "Seconds to wait for the next request on a keep-alive connection.",
		Doc: "Behind a load balancer, a value higher than the balancer's idle timeout avoids reset connections. " +
			"0 turns keep-alive off: every response closes its connection.",
		field: func(s *Settings) any { return &s.KeepAlive },
	},

	// Security
	{
		Name: "limit_request_line", Section: SectionSecurity, Flags: []string{"--limit-request-line"}, Meta: "INT",
		Kind: KindInt, Default: http1.DefaultLimits.RequestLine, Expect: "an integer from 0 to 8190", check: between(0, 8190), Stage: 2,
		Help:  "The longest request line, in bytes; 0 is unlimited.",
		Doc:   "The request line holds the method, the target and the protocol. A longer one is answered 414. At most 8190.",
		field: func(s *Settings) any { return &s.LimitRequestLine },
	},
	{
		Name: "limit_request_fields", Section: SectionSecurity, Flags: []string{"--limit-request-fields"}, Meta: "INT",
		Kind: KindInt, Default: http1.DefaultLimits.Fields, Expect: "an integer from 0 to 32768", check: between(0, 32768), Stage: 2,
		Help:  "The most header fields in a request.",
		Doc:   "A guard against denial of service through many headers. At most 32768.",
		field: func(s *Settings) any { return &s.LimitRequestFields },
	},
	{
		Name: "limit_request_field_size", Section: SectionSecurity, Flags: []string{"--limit-request-field_size"}, Meta: "INT",
		Kind: KindInt, Default: http1.DefaultLimits.FieldSize, Expect: expectNonNegative, check: atLeast(0), Stage: 2,
		Help:  "The longest header field line, in bytes.",
		Doc:   "Note the underscore in the flag, as in gunicorn.",
		field: func(s *Settings) any { return &s.LimitRequestFieldSize },
	},
	{
		Name: "limit_request_body", Section: SectionSecurity, Flags: []string{"--limit-request-body"}, Meta: "INT",
		Kind: KindInt, Default: 0, Expect: expectNonNegative, check: atLeast(0), Stage: 2,
		Help: "The largest request body, in bytes; 0 is unlimited.",
		Doc: "A larger Content-Length is answered 413 before the body is read (a client that sent " +
			"Expect: 100-continue is never asked for it); a chunked body is refused as soon as it passes the limit.",
		field: func(s *Settings) any { return &s.LimitRequestBody },
	},
	{
		Name: "request_spool_limit", Section: SectionSecurity, Flags: []string{"--request-spool-limit"}, Meta: "INT",
		Kind: KindInt, Default: 1 << 30, Expect: expectPositive, check: atLeast(1), Stage: 2,
		Help: "The most bytes of request bodies spooled to disk, all connections together (gunicorn-go's own).",
		Doc: "gunicorn-go reads each request body before the app runs: up to 1 MiB in memory, larger ones into a " +
			"file in worker_tmp_dir. A body that would take the files past this total is answered 503, so uploads " +
			"cannot fill the disk. The default is 1 GiB.",
		field: func(s *Settings) any { return &s.RequestSpoolLimit },
	},
	{
		Name: "response_spool_limit", Section: SectionSecurity, Flags: []string{"--response-spool-limit"}, Meta: "INT",
		Kind: KindInt, Default: 1 << 30, Expect: expectNonNegative, check: atLeast(0), Stage: 2,
		Help: "The most bytes all responses keep on disk together for slow clients (gunicorn-go's own); 0 spools none.",
		Doc: "gunicorn-go takes a response from the worker as fast as the app makes it, so that a slow client never " +
			"holds a Python process: 1 MiB of each in memory, the rest in files in worker_tmp_dir, all the " +
			"responses together up to this many bytes (a file's disk comes back as its client takes it). " +
			"Once it is spent, a response that has filled its memory makes its worker thread wait for the client, " +
			"and a warning says so (nginx's proxy_max_temp_file_size is the model, though nginx's bounds one " +
			"response). The default is 1 GiB.",
		field: func(s *Settings) any { return &s.ResponseSpoolLimit },
	},

	// Debugging
	{
		Name: "check_config", Section: SectionDebugging, Flags: []string{"--check-config"},
		Kind: KindBool, Default: false, Expect: expectBool, Stage: 3,
		Help:  "Load the config and import the app, then exit: 0 if both work, 1 if not.",
		Doc:   "A quick test for a deployment: nothing listens.",
		field: func(s *Settings) any { return &s.CheckConfig },
	},
	{
		Name: "print_config", Section: SectionDebugging, Flags: []string{"--print-config"},
		Kind: KindBool, Default: false, Expect: expectBool, Stage: 3,
		Help:  "Print every setting, its value and where it came from, then exit.",
		Doc:   "The source is default, an environment variable, the config file, GUNICORN_CMD_ARGS or command line.",
		field: func(s *Settings) any { return &s.PrintConfig },
	},

	// Server Mechanics
	{
		Name: "reuse_port", Section: SectionMechanics, Flags: []string{"--reuse-port"},
		Kind: KindBool, Default: false, Expect: expectBool, Stage: 5,
		Help:  "Set SO_REUSEPORT on the listening sockets.",
		Doc:   "Lets several processes bind the same port, the kernel spreading connections among them. From stage 5, on the TCP sockets the server opens.",
		field: func(s *Settings) any { return &s.ReusePort },
	},
	{
		Name: "chdir", Section: SectionMechanics, Flags: []string{"--chdir"}, Meta: "CHDIR",
		Kind: KindStr, Default: "", DefaultDoc: "the current directory", Expect: "an existing directory", check: isDir, relPath: true, Stage: 2,
		Help: "The directory to change to before loading the app.",
		Doc:  "A relative path is taken from the directory the server starts in.",
		envDefault: func(e *environment) (string, Source, bool) {
			return e.dir, Source{Kind: FromDefault}, true
		},
		field: func(s *Settings) any { return &s.Chdir },
	},
	{
		Name: "raw_env", Section: SectionMechanics, Flags: []string{"-e", "--env"}, Meta: "ENV",
		Kind: KindList, Default: []string{}, Expect: "KEY=VALUE", check: eachKeyValue, Stage: 2,
		Help:  "Set an environment variable for the app, KEY=VALUE; repeat for more.",
		Doc:   "For example -e DJANGO_SETTINGS_MODULE=project.settings. In a config file, a list of KEY=VALUE strings.",
		field: func(s *Settings) any { return &s.RawEnv },
	},
	{
		Name: "daemon", Section: SectionMechanics, Flags: []string{"-D", "--daemon"},
		Kind: KindBool, Default: false, Expect: expectBool, Stage: 6,
		Help: "Daemonize the process: detach from the terminal and run in the background.",
		Doc: "For machines without a service manager: the command starts the master in a new session, its " +
			"standard input, output and error on /dev/null (so set errorlog to a file), and returns once the " +
			"workers serve, with exit code 0, or with the master's exit code when it cannot start. Under systemd " +
			"or Supervisor leave it off: they expect the server in the foreground.",
		field: func(s *Settings) any { return &s.Daemon },
	},
	{
		Name: "pidfile", Section: SectionMechanics, Flags: []string{"-p", "--pid"}, Meta: "FILE",
		Kind: KindOptStr, Default: "", Expect: expectPath, Stage: 6,
		Help: "A file to write the master's pid to.",
		Doc: "None writes no file. From stage 6 the master writes its pid there at start (a file naming a live " +
			"process stops the start; a stale one is replaced) and removes it at exit. During a USR2 upgrade the " +
			"new master writes FILE.2, and renames it to FILE once the old master is gone.",
		field: func(s *Settings) any { return &s.PidFile },
	},
	{
		Name: "worker_tmp_dir", Section: SectionMechanics, Flags: []string{"--worker-tmp-dir"}, Meta: "DIR",
		Kind: KindOptStr, Default: "", DefaultDoc: "the system's temporary directory", Expect: expectPath, relPath: true, Stage: 2,
		Help: "A directory for spooled request and response bodies.",
		Doc: "gunicorn keeps its workers' heartbeat files here; gunicorn-go needs none (the master watches its " +
			"workers' requests itself) and spools large request and response bodies here instead. The files are " +
			"removed as soon as the request ends.",
		field: func(s *Settings) any { return &s.WorkerTmpDir },
	},
	{
		Name: "user", Section: SectionMechanics, Flags: []string{"-u", "--user"}, Meta: "USER",
		Kind: KindOptStr, Default: "", DefaultDoc: "the current user", Expect: "an existing user name or a user id", Stage: 5, check: userExists,
		Help: "Run the workers as this user, a name or an id.",
		Doc: "Needs root. The name must exist on this system. From stage 5 the master, started as root, binds (ports " +
			"below 1024 included), makes its unix socket files and log files this user's, then drops root itself, " +
			"before any worker starts: no process that parses a request or runs the app stays root. Without group, " +
			"the user's own group (gunicorn keeps the master's, root's).",
		field: func(s *Settings) any { return &s.User },
	},
	{
		Name: "group", Section: SectionMechanics, Flags: []string{"-g", "--group"}, Meta: "GROUP",
		Kind: KindOptStr, Default: "", DefaultDoc: "the current group", Expect: "an existing group name or a group id", Stage: 5, check: groupExists,
		Help:  "Run the workers as this group, a name or an id.",
		Doc:   "Needs root. The name must exist on this system. From stage 5 the master takes it too, with user (see user); supplementary groups are dropped.",
		field: func(s *Settings) any { return &s.Group },
	},
	{
		Name: "umask", Section: SectionMechanics, Flags: []string{"-m", "--umask"}, Meta: "INT",
		Kind: KindOctal, Default: 0, Expect: "a file mode mask such as 0o22, '022' or 18", Stage: 5, check: between(0, 0o777),
		Help: "The file mode mask for files the server creates.",
		Doc: "Written as in Python: 0o22 in a config file; on the command line 022 and 0o22 are octal too. From " +
			"stage 5 it gives the unix socket files their mode: 0, gunicorn's default, makes them srwxrwxrwx, which " +
			"any local user may connect to; 0o117 makes them srw-rw----, for their owner and group (nginx's, say).",
		field: func(s *Settings) any { return &s.Umask },
	},
	{
		Name: "forwarded_allow_ips", Section: SectionMechanics, Flags: []string{"--forwarded-allow-ips"}, Meta: "STRING",
		Kind: KindCSV, Default: server.DefaultForwardedAllowIPs, DefaultDoc: "$FORWARDED_ALLOW_IPS, else '127.0.0.1,::1'",
		Expect: "IP addresses or networks, comma-separated, or '*'", check: eachNetwork, Stage: 2,
		Help:       "Proxies trusted to set the secure scheme headers, comma-separated; * trusts all.",
		Doc:        "Requests from other addresses have their secure_scheme_headers ignored.",
		envDefault: fromEnvVar("FORWARDED_ALLOW_IPS", nil),
		field:      func(s *Settings) any { return &s.ForwardedAllowIPs },
	},
	{
		Name: "secure_scheme_headers", Section: SectionMechanics,
		Kind: KindDict, Default: server.DefaultSecureSchemeHeaders,
		Expect: "a dict of str to str", Stage: 2,
		Help:  "Headers, and their values, by which a trusted proxy says the request came over https.",
		Doc:   "Config file only. A request from forwarded_allow_ips carrying one of them gets wsgi.url_scheme https.",
		field: func(s *Settings) any { return &s.SecureSchemeHeaders },
	},
	{
		Name: "pythonpath", Section: SectionMechanics, Flags: []string{"--pythonpath"}, Meta: "STRING",
		Kind: KindCSV, Default: []string{}, Expect: "directories, comma-separated", Stage: 2,
		Help:  "Directories to put first on the Python path, comma-separated.",
		Doc:   "For example --pythonpath /srv/app,/srv/lib.",
		field: func(s *Settings) any { return &s.PythonPath },
	},
	{
		Name: "python", Section: SectionMechanics, Flags: []string{"--python"}, Meta: "PYTHON",
		Kind: KindStr, Default: "", DefaultDoc: "$VIRTUAL_ENV/bin/python, else .venv/bin/python or venv/bin/python in chdir, else python3",
		Expect: "an interpreter's path or name", Stage: 2,
		Help: "The Python interpreter that runs the app (gunicorn-go's own); in a config file it does not run that file.",
		Doc: "gunicorn runs inside Python; gunicorn-go runs Python apps in this interpreter. Given on the command line " +
			"or in GUNICORN_CMD_ARGS it also runs the config file; set in the config file, it chooses the app's " +
			"interpreter only, since the file has already been run by then. Unset, it is the active virtualenv's " +
			"python, else a virtualenv beside the app (.venv or venv in chdir), else the first python3 on PATH; " +
			"--print-config says which, and why.",
		field: func(s *Settings) any { return &s.Python },
	},

	// Logging
	{
		Name: "accesslog", Section: SectionLogging, Flags: []string{"--access-logfile"}, Meta: "FILE",
		Kind: KindOptStr, Default: "", Expect: expectPath, Stage: 2,
		Help:  "The access log file; - is stdout.",
		Doc:   "None (the default) logs no requests.",
		field: func(s *Settings) any { return &s.AccessLog },
	},
	{
		Name: "access_log_format", Section: SectionLogging, Flags: []string{"--access-logformat"}, Meta: "STRING",
		Kind: KindStr, Default: logging.DefaultAccessFormat, Expect: "a string", Stage: 2,
		Help:  "The access log line's format, with gunicorn's %(atom)s atoms.",
		Doc:   "h remote address, t time, r request line, s status, b body bytes, f referer, a user agent, D microseconds, and more.",
		field: func(s *Settings) any { return &s.AccessLogFormat },
	},
	{
		Name: "errorlog", Section: SectionLogging, Flags: []string{"--error-logfile", "--log-file"}, Meta: "FILE",
		Kind: KindStr, Default: "-", Expect: expectPath, Stage: 2,
		Help:  "The error log file; - is stderr.",
		Doc:   "Start-up, shutdown and worker events, and app errors, are logged here.",
		field: func(s *Settings) any { return &s.ErrorLog },
	},
	{
		Name: "loglevel", Section: SectionLogging, Flags: []string{"--log-level"}, Meta: "LEVEL",
		Kind: KindStr, Default: "info", Expect: "one of debug, info, warning, error, critical",
		check: oneOf("debug", "info", "warning", "error", "critical"), Stage: 2,
		Help:  "The error log's level: debug, info, warning, error or critical.",
		Doc:   "Messages below the level are not written.",
		field: func(s *Settings) any { return &s.LogLevel },
	},
	{
		Name: "capture_output", Section: SectionLogging, Flags: []string{"--capture-output"},
		Kind: KindBool, Default: false, Expect: expectBool, Stage: 2,
		Help:  "Send the app's stdout and stderr to the error log.",
		Doc:   "Useful when errorlog is a file: print() and tracebacks end up beside the server's own messages.",
		field: func(s *Settings) any { return &s.CaptureOutput },
	},

	// Process Naming
	{
		Name: "proc_name", Section: SectionNaming, Flags: []string{"-n", "--name"}, Meta: "STRING",
		Kind: KindOptStr, Default: "", DefaultDoc: "the app's name", Expect: "a string", Stage: 4,
		Help:  "The name to show in process listings.",
		Doc:   "Tells several servers on one machine apart in ps and top.",
		field: func(s *Settings) any { return &s.ProcName },
	},

	// SSL
	{
		Name: "certfile", Section: SectionSSL, Flags: []string{"--certfile"}, Meta: "FILE",
		Kind: KindOptStr, Default: "", Expect: expectPath, Stage: 5,
		Help: "The TLS certificate file; with keyfile, serves https.",
		Doc: "PEM encoded, the certificate chain after the server's own certificate. From stage 5 the TCP binds " +
			"serve HTTPS with Go's crypto/tls: TLS 1.2 and later, ALPN http/1.1, wsgi.url_scheme https; unix " +
			"sockets stay plain HTTP, their peer being a proxy on this machine. The handshake is bounded by timeout, " +
			"like a request head. HUP reads certfile and keyfile again, so a renewed certificate needs no restart; " +
			"one that does not load leaves the old one serving, and the log says why.",
		field: func(s *Settings) any { return &s.CertFile },
	},
	{
		Name: "keyfile", Section: SectionSSL, Flags: []string{"--keyfile"}, Meta: "FILE",
		Kind: KindOptStr, Default: "", Expect: expectPath, Stage: 5,
		Help:  "The TLS private key file.",
		Doc:   "PEM encoded. Without it the key is read from certfile, which may hold both, as in gunicorn.",
		field: func(s *Settings) any { return &s.KeyFile },
	},
	{
		Name: "ca_certs", Section: SectionSSL, Flags: []string{"--ca-certs"}, Meta: "FILE",
		Kind: KindOptStr, Default: "", Expect: expectPath, Stage: 5,
		Help:  "CA certificates that client certificates are checked against.",
		Doc:   "Used when cert_reqs asks for client certificates.",
		field: func(s *Settings) any { return &s.CACerts },
	},
	{
		Name: "cert_reqs", Section: SectionSSL, Flags: []string{"--cert-reqs"}, Meta: "CERT_REQS",
		Kind: KindInt, Default: 0, Expect: "0, 1 or 2", Stage: 5, check: between(0, 2),
		Help: "Client certificates: 0 not asked for, 1 optional, 2 required.",
		Doc: "The values of Python's ssl.CERT_NONE, CERT_OPTIONAL and CERT_REQUIRED. 1 checks a certificate the " +
			"client sends against ca_certs; 2 also refuses, at the handshake, a client that sends none. 1 and 2 need ca_certs.",
		field: func(s *Settings) any { return &s.CertReqs },
	},
	{
		Name: "do_handshake_on_connect", Section: SectionSSL, Flags: []string{"--do-handshake-on-connect"},
		Kind: KindBool, Default: false, Expect: expectBool, Stage: 5,
		Help: "Run the TLS handshake as soon as a client connects.",
		Doc: "Accepted for gunicorn's sake. gunicorn-go always runs the handshake first thing on a connection, " +
			"in the connection's own goroutine and bounded by timeout, which is what True asks for without its " +
			"cost in gunicorn: a slow handshake holds no worker.",
		field: func(s *Settings) any { return &s.DoHandshakeOnConnect },
	},
	{
		Name: "ciphers", Section: SectionSSL, Flags: []string{"--ciphers"}, Meta: "CIPHERS",
		Kind: KindOptStr, Default: "", DefaultDoc: "None: Go's own, all secure", Expect: "an OpenSSL cipher list", Stage: 5,
		Help: "The TLS 1.2 cipher suites, as an OpenSSL cipher list.",
		Doc: "Go's crypto/tls does not read OpenSSL's cipher strings: the suite names it knows " +
			"(ECDHE-RSA-AES128-GCM-SHA256, ECDHE-ECDSA-CHACHA20-POLY1305…) limit the TLS 1.2 suites to those; " +
			"keywords (HIGH, !aNULL…), suites Go counts insecure and unknown names are skipped with a warning. " +
			"TLS 1.3's suites are always Go's.",
		field: func(s *Settings) any { return &s.Ciphers },
	},
	{
		Name: "ssl_version", Section: SectionSSL, Flags: []string{"--ssl-version"}, Meta: "VERSION",
		Kind: KindStrOrInt, Default: "TLS", Expect: "TLS, TLS_SERVER, SSLv23, TLSv1, TLSv1_1, TLSv1_2, TLS_CLIENT or Python's number for one", Stage: 5, check: sslVersion,
		Help: "The TLS versions served, as Python's ssl.PROTOCOL_* names them.",
		Doc: "TLS, TLS_SERVER and SSLv23 (gunicorn's default): TLS 1.2 and later, negotiated. TLSv1_2: TLS 1.2 " +
			"only. TLSv1 and TLSv1_1 are below gunicorn-go's TLS 1.2 minimum, and TLS_CLIENT is a client's: each is " +
			"warned about, and TLS 1.2 and later are served. A config file may give the number, ssl.PROTOCOL_TLSv1_2.",
		field: func(s *Settings) any { return &s.SSLVersion },
	},
}

// fromEnvVar is an envDefault for a setting whose default an environment
// variable gives when set and not empty: its value, passed through format
// when format is not nil.
func fromEnvVar(name string, format func(string) string) func(*environment) (string, Source, bool) {
	return func(e *environment) (string, Source, bool) {
		v := e.get(name)
		if v == "" {
			return "", Source{}, false
		}
		if format != nil {
			v = format(v)
		}
		return v, Source{Kind: FromEnvVar, Name: name}, true
	}
}
