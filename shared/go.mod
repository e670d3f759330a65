module gunicorn-go/shared

go 1.24.0

require (
	github.com/stretchr/testify v1.11.1
	gunicorn-go/stage1-wsgi-hello v0.0.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/google/go-cmp v0.7.0
	github.com/pmezard/go-difflib v1.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace gunicorn-go/stage1-wsgi-hello => ../stage1-wsgi-hello
