package config

// gunicornOnly lists gunicorn's settings that gunicorn-go does not implement,
// with the command-line flags gunicorn gives them. A config file, a command
// line or GUNICORN_CMD_ARGS written for gunicorn may use them; Load warns
// once per source, naming it, and goes on: a working gunicorn deployment must
// never stop only because of them. Any other unknown name in a config file
// (an import, a helper variable) is ignored silently, as gunicorn does; any
// other unknown flag is a usage error.
//
// The flags are gunicorn 23's (settings without one, such as ssl_context, are
// set only in a config file).
var gunicornOnly = map[string]foreignFlags{
	"casefold_http_method":               {flags: []string{"--casefold-http-method"}},
	"default_proc_name":                  {},
	"disable_redirect_access_to_syslog":  {flags: []string{"--disable-redirect-access-to-syslog"}},
	"dogstatsd_tags":                     {flags: []string{"--dogstatsd-tags"}, value: true},
	"enable_stdio_inheritance":           {flags: []string{"-R", "--enable-stdio-inheritance"}},
	"forwarder_headers":                  {flags: []string{"--forwarder-headers"}, value: true},
	"header_map":                         {flags: []string{"--header-map"}, value: true},
	"initgroups":                         {flags: []string{"--initgroups"}},
	"logconfig":                          {flags: []string{"--log-config"}, value: true},
	"logconfig_dict":                     {},
	"logconfig_json":                     {flags: []string{"--log-config-json"}, value: true},
	"logger_class":                       {flags: []string{"--logger-class"}, value: true},
	"paste":                              {flags: []string{"--paste", "--paster"}, value: true},
	"permit_obsolete_folding":            {flags: []string{"--permit-obsolete-folding"}},
	"permit_unconventional_http_method":  {flags: []string{"--permit-unconventional-http-method"}},
	"permit_unconventional_http_version": {flags: []string{"--permit-unconventional-http-version"}},
	"preload_app":                        {flags: []string{"--preload"}},
	"proxy_allow_ips":                    {flags: []string{"--proxy-allow-from"}, value: true},
	"proxy_protocol":                     {flags: []string{"--proxy-protocol"}},
	"raw_paste_global_conf":              {flags: []string{"--paste-global"}, value: true},
	"reload":                             {flags: []string{"--reload"}},
	"reload_engine":                      {flags: []string{"--reload-engine"}, value: true},
	"reload_extra_files":                 {flags: []string{"--reload-extra-file"}, value: true},
	"sendfile":                           {flags: []string{"--no-sendfile"}},
	"spew":                               {flags: []string{"--spew"}},
	"ssl_context":                        {},
	"statsd_host":                        {flags: []string{"--statsd-host"}, value: true},
	"statsd_prefix":                      {flags: []string{"--statsd-prefix"}, value: true},
	"strip_header_spaces":                {flags: []string{"--strip-header-spaces"}},
	"suppress_ragged_eofs":               {flags: []string{"--suppress-ragged-eofs"}},
	"syslog":                             {flags: []string{"--log-syslog"}},
	"syslog_addr":                        {flags: []string{"--log-syslog-to"}, value: true},
	"syslog_facility":                    {flags: []string{"--log-syslog-facility"}, value: true},
	"syslog_prefix":                      {flags: []string{"--log-syslog-prefix"}, value: true},
	"tmp_upload_dir":                     {},
	"tolerate_dangerous_framing":         {flags: []string{"--tolerate-dangerous-framing"}},
	"worker_class":                       {flags: []string{"-k", "--worker-class"}, value: true},
}

// foreignFlags are the command-line flags of a gunicorn setting gunicorn-go
// does not implement: enough to step over them, value and all.
type foreignFlags struct {
	flags []string
	value bool // the flag takes a value (-k gthread); else it is a switch
}

// unsupported reports whether name is a gunicorn setting gunicorn-go ignores.
func unsupported(name string) bool {
	_, ok := gunicornOnly[name]
	return ok
}

// serverHooks are gunicorn's server hooks: Python functions gunicorn calls at
// points of a worker's life. gunicorn-go's master is not Python, so it cannot
// call them; Load warns and goes on.
var serverHooks = map[string]bool{
	"on_starting": true, "on_reload": true, "when_ready": true, "pre_fork": true, "post_fork": true,
	"post_worker_init": true, "worker_int": true, "worker_abort": true, "pre_exec": true,
	"pre_request": true, "post_request": true, "child_exit": true, "worker_exit": true,
	"nworkers_changed": true, "on_exit": true,
}
