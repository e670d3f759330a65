# The Django example, served as a gunicorn.conf.py in production would say
# it. Relative paths start where the server starts: the repository's root.
wsgi_app = "project.wsgi:application"
chdir = "shared/examples/djangoproject"
python = "/usr/bin/python3"  # an interpreter that has Django
accesslog = "-"
