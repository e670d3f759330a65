module gunicorn-go/stage3-config-file

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	gunicorn-go/shared v0.0.0
	gunicorn-go/stage1-wsgi-hello v0.0.0
	gunicorn-go/stage2-single-worker v0.0.0
)

replace (
	gunicorn-go/shared => ../shared
	gunicorn-go/stage1-wsgi-hello => ../stage1-wsgi-hello
	gunicorn-go/stage2-single-worker => ../stage2-single-worker
)
