module gunicorn-go/stage6-supervision

go 1.24.0

require (
	gunicorn-go/shared v0.0.0
	gunicorn-go/stage1-wsgi-hello v0.0.0
	gunicorn-go/stage2-single-worker v0.0.0
	gunicorn-go/stage3-config-file v0.0.0
	gunicorn-go/stage4-multi-worker v0.0.0
	gunicorn-go/stage5-bind-unix-sockets v0.0.0
)

replace (
	gunicorn-go/shared => ../shared
	gunicorn-go/stage1-wsgi-hello => ../stage1-wsgi-hello
	gunicorn-go/stage2-single-worker => ../stage2-single-worker
	gunicorn-go/stage3-config-file => ../stage3-config-file
	gunicorn-go/stage4-multi-worker => ../stage4-multi-worker
	gunicorn-go/stage5-bind-unix-sockets => ../stage5-bind-unix-sockets
)
