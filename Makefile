# S'MEDI + SAMAWA. `make run` starts the product, `make test` runs every test.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp

.PHONY: run test bench lint lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PYTHON) || { py=$$(bin/find-python) && echo "creating $(VENV) with $$py" && $$py -m venv $(VENV); }
	$(PYTHON) -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(VENV)/bin/smedi up

test: $(STAMP)
	bin/ensure-chromium
	bin/ensure-netfilter
	$(PYTHON) -m pytest

bench: $(STAMP)
	$(PYTHON) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy proxy_addons accounting admin certs smedi

lock: $(STAMP)
	@{ echo "# Exact versions for reproducible installs: pip install -c requirements.lock -e '.[dev]'"; \
	   echo "# Regenerate with 'make lock' after changing pyproject.toml."; \
	   $(PYTHON) -m pip freeze --exclude-editable; } > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache
