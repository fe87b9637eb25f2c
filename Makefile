# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STATIC := commissioning/static
export FLASK_APP := commissioning:create_app

.PHONY: run test install assets migrate demo-data bench browser-deps system-deps clean lint

run: install system-deps assets migrate demo-data
	$(BIN)/commissioning serve

test: install system-deps assets browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

assets: $(STATIC)/app.css $(STATIC)/app.js $(STATIC)/govuk/govuk-frontend.min.js $(STATIC)/favicon.svg

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STATIC)/app.css: assets/app.scss node_modules/.installed
	mkdir -p $(STATIC)
	npx --no-install sass --pkg-importer=node --style=compressed --no-source-map assets/app.scss $@

$(STATIC)/govuk/govuk-frontend.min.js: node_modules/.installed
	mkdir -p $(STATIC)/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $@

$(STATIC)/app.js: assets/app.js
	mkdir -p $(STATIC)
	cp assets/app.js $@

$(STATIC)/favicon.svg: assets/favicon.svg
	mkdir -p $(STATIC)
	cp assets/favicon.svg $@

migrate: install
	$(BIN)/commissioning db upgrade

demo-data: install
	$(BIN)/commissioning demo-data

# WeasyPrint's system libraries (Pango, HarfBuzz subsetting) and a font, for PDFs.
system-deps: install
	@$(BIN)/python -c "import weasyprint" >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi dejavu || { \
	  echo "Installing Pango, HarfBuzz and DejaVu fonts for PDF rendering (needs root)..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	    libharfbuzz-subset0 fonts-dejavu-core >/dev/null) \
	  || { echo "Could not install them: run 'apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core' as root."; exit 1; }; }

# Debian's Chromium for the browser tier: the test tools cannot download their own here.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests (needs root)..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'apt-get install chromium' as root."; exit 1; }; }

bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the load benchmark (needs root)..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || { echo "Could not install wrk: run 'apt-get install wrk' as root."; exit 1; }; }
	@set -e; files="$(wildcard bench/bench_*.py)"; [ -n "$$files" ] || echo "No benchmarks yet."; for f in $$files; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) node_modules $(STATIC) instance .pytest_cache
