# Two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench worker clean messages fonts

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## Set up (once), migrate, load the demo and serve it on http://127.0.0.1:8000 with the email worker.
run: export DJANGO_DEBUG ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
# Each email as a few lines on the console (to, subject, its links), not raw MIME.
run: export DJANGO_EMAIL_BACKEND ?= registrations.outputs.console_email.EmailBackend
run: $(STAMP) fonts
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py demo_admin --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py send_queued_emails --loop & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole suite (SQLite by default; set DATABASE_URL for PostgreSQL).
test: $(STAMP) fonts
	$(BIN)/python -m pytest

## Extract the marked strings into every catalog (needs GNU gettext: apt-get install gettext), then
## compile the .mo files with polib. Translate what is new in locale/<code>/LC_MESSAGES/*.po, run it again.
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --all --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py makemessages --all --no-obsolete -d djangojs $(MESSAGES_IGNORE)
	$(BIN)/python -c "import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix('.mo'))) for p in pathlib.Path('locale').rglob('*.po')]"

## Lint, format check and the import contract (the one-way house: pyproject.toml [tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The pooled phases run PgBouncer (Debian's), started and stopped by the bench.
bench: $(STAMP)
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || \
	  (apt-get install -y -qq pgbouncer >/dev/null 2>&1 || echo "!! apt-get install pgbouncer (the pooled bench phases)")
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Badge PDFs draw names in Latin, CJK and Hangul: Debian's DejaVu Sans and WenQuanYi Zen Hei (never a CDN).
BADGE_FONT_FILES := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
fonts:
	@ls $(BADGE_FONT_FILES) >/dev/null 2>&1 || \
	  (apt-get install -y -qq fonts-dejavu-core fonts-wqy-zenhei >/dev/null 2>&1 || \
	   echo "!! sudo apt-get install fonts-dejavu-core fonts-wqy-zenhei (fonts for the badge PDFs)")
