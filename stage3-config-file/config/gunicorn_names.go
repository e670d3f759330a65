package config

// gunicornOnly lists gunicorn's settings that gunicorn-go does not implement.
// A config file written for gunicorn may set them; Load warns once, naming
// the file, and goes on: a working gunicorn.conf.py must never stop the server
// only because of them. Any other unknown name (an import, a helper variable)
// is ignored silently, as gunicorn does.
var gunicornOnly = map[string]bool{
	"casefold_http_method": true, "ciphers": true, "daemon": true, "default_proc_name": true,
	"disable_redirect_access_to_syslog": true, "do_handshake_on_connect": true, "dogstatsd_tags": true,
	"enable_stdio_inheritance": true, "forwarder_headers": true, "header_map": true, "initgroups": true,
	"logconfig": true, "logconfig_dict": true, "logconfig_json": true, "logger_class": true, "paste": true,
	"permit_obsolete_folding": true, "permit_unconventional_http_method": true,
	"permit_unconventional_http_version": true, "preload_app": true, "proxy_allow_ips": true,
	"proxy_protocol": true, "raw_paste_global_conf": true, "reload": true, "reload_engine": true,
	"reload_extra_files": true, "sendfile": true, "spew": true, "ssl_context": true, "ssl_version": true,
	"statsd_host": true, "statsd_prefix": true, "strip_header_spaces": true, "suppress_ragged_eofs": true,
	"syslog": true, "syslog_addr": true, "syslog_facility": true, "syslog_prefix": true,
	"tmp_upload_dir": true, "tolerate_dangerous_framing": true, "worker_class": true,
	"worker_connections": true,
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
