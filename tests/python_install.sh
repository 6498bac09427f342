#!/usr/bin/env bash
# The Python package as a user installs it: pip into a virtual environment
# (with the system's site packages, for NumPy; no network, no build
# isolation), imported from outside the source tree, finding libmaskcast
# through MASKCAST_LIBRARY, through the install prefix, and through the
# system's loader; and a clear error when it is nowhere.
#   bash tests/python_install.sh BUILD_DIR SOURCE_DIR WORK_DIR PYTHON LIBRARY
# Exits 77 (skipped) when PYTHON lacks NumPy, venv or pip (Debian:
# python3-numpy, python3-venv, python3-pip, python3-setuptools).
set -euo pipefail
build=$1 src=$2 work=$3 python=$4 library=$5
rm -rf "$work"
mkdir -p "$work/outside"
step() { echo "== $*"; }
for m in numpy venv pip setuptools; do
  "$python" -c "import $m" 2>/dev/null ||
    { echo "skipped: $python has no $m (Debian: python3-numpy python3-venv python3-pip python3-setuptools)"; exit 77; }
done
unset PYTHONPATH MASKCAST_LIBRARY
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# A venv that sees the system's NumPy (and pip, setuptools); pip from the
# system's site packages installs into the venv.
venv() {
  "$python" -m venv --system-site-packages --without-pip "$1"
  "$1/bin/python" -m pip install -q --no-build-isolation "$2"
}
# Runs Python code in the venv $1 from a directory outside the source tree.
run() {
  local env=$1; shift
  (cd "$work/outside" && "$env/bin/python" - "$@")
}
# What every venv checks: imported from the venv, not the source tree; the
# loaded library is the one expected (by /proc/self/maps); versions agree;
# it works (a frame from arrays, described).
check_import() {
  run "$1" "$2" "$src/python" <<'EOF'
import importlib.metadata, os, sys
import numpy as np
import maskcast
expected, source = map(os.path.realpath, sys.argv[1:3])
where = os.path.realpath(maskcast.__file__)
assert where.startswith(os.path.realpath(sys.prefix)), f"imported from {where}"
assert not where.startswith(source), f"imported from the source tree: {where}"
assert maskcast.version() == maskcast.__version__ == importlib.metadata.version("maskcast"), \
    (maskcast.version(), maskcast.__version__, importlib.metadata.version("maskcast"))
maps = {os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps") if "libmaskcast" in l}
assert maps == {expected}, f"loaded {maps}, expected {expected} ({maskcast.library_path()})"
t = np.arange(0, 3600 * 500, 3600)
load = 1000 + 50 * np.sin(t / 3600 / 24 * 2 * np.pi)
f = maskcast.Frame.from_arrays(t, {"load": load}).regularize()
s = maskcast.describe(f)["load"]
assert s.observed == 500 and abs(s.mean - load.mean()) < 1e-9, s
print("  imported from", where, "with", maskcast.library_path())
EOF
}

step "install into $work/prefix"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
pkg="$work/prefix/share/maskcast/python"
libdir=$(dirname "$(find "$work/prefix" -name 'libmaskcast.so.0' | head -n 1)")
[ -f "$pkg/pyproject.toml" ] && [ -f "$pkg/maskcast/_config.py" ] ||
  { echo "the Python package is not installed under $pkg" >&2; exit 1; }

step "pip install ./python (a copy: pip builds in the tree), the library by MASKCAST_LIBRARY"
cp -r "$src/python" "$work/python-src"
rm -rf "$work/python-src/build" "$work/python-src"/*.egg-info "$work/python-src/maskcast/_config.py"
venv "$work/venv-src" "$work/python-src"
MASKCAST_LIBRARY="$library" check_import "$work/venv-src" "$library"

step "the same package, the library by the system's loader (LD_LIBRARY_PATH)"
LD_LIBRARY_PATH="$libdir" check_import "$work/venv-src" "$libdir/libmaskcast.so.0"

step "a wrong MASKCAST_LIBRARY is an error naming it; import still works"
MASKCAST_LIBRARY="$work/no-such/libmaskcast.so.0" run "$work/venv-src" <<'EOF'
import maskcast
try:
    maskcast.version()
    raise SystemExit("loaded a library from a path that does not exist")
except maskcast.LibraryNotFound as e:
    assert "MASKCAST_LIBRARY" in str(e) and "no-such/libmaskcast.so.0" in str(e), str(e)
    assert [w for w, _, _ in e.tried] == ["MASKCAST_LIBRARY"], e.tried
    print("  " + str(e).splitlines()[1])
EOF

step "pip install PREFIX/share/maskcast/python: the library of that prefix"
venv "$work/venv-prefix" "$pkg"
check_import "$work/venv-prefix" "$libdir/libmaskcast.so.0"
MASKCAST_LIBRARY="$library" check_import "$work/venv-prefix" "$library"

step "PYTHONPATH=PREFIX/share/maskcast/python in a moved prefix without _config.py"
cp -r "$work/prefix" "$work/moved"
rm "$work/moved/share/maskcast/python/maskcast/_config.py"
(cd "$work/outside" && PYTHONPATH="$work/moved/share/maskcast/python" "$python" - "$work/moved" <<'EOF'
import os, sys
import maskcast
moved = os.path.realpath(sys.argv[1])
assert os.path.realpath(maskcast.library_path()).startswith(moved), maskcast.library_path()
print("  found", maskcast.library_path(), maskcast.version())
EOF
)

step "nowhere: the error lists what was tried"
run "$work/venv-src" <<'EOF'
import maskcast
try:
    maskcast.version()
    print("  (a libmaskcast is installed system-wide:", maskcast.library_path() + ")")
except maskcast.LibraryNotFound as e:
    assert "system loader" in str(e) and "MASKCAST_LIBRARY" in str(e), str(e)
    print("  " + " / ".join(w for w, _, _ in e.tried))
EOF

echo "python install test passed"
