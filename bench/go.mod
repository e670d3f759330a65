module gunicorn-go/bench

go 1.24.0

require gunicorn-go/shared v0.0.0

replace gunicorn-go/shared => ../shared
