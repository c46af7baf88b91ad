# lit configuration for b2m: every test runs the built tools and checks their
# textual output with FileCheck.
import os
import lit.formats
import lit.util

config.name = "b2m"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".b2m", ".b2ir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)

site = lit_config.params.get("site")
if site:
    lit_config.load_config(config, site)

config.test_exec_root = os.path.join(config.b2m_bin_dir, "..", "tests", "lit-out")
config.environment["B2M_STDLIB_DIR"] = os.path.join(config.b2m_src_root, "stdlib")
config.environment["B2M_PROGRESS"] = "0"

for tool in ["b2mc", "b2m-opt"]:
    config.substitutions.append(("%" + tool, os.path.join(config.b2m_bin_dir, tool)))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%examples", os.path.join(config.b2m_src_root, "examples")))
config.substitutions.append(("%stdlib", os.path.join(config.b2m_src_root, "stdlib")))
config.substitutions.append(("%shared", config.shared_dir))
config.substitutions.append(("FileCheck", config.filecheck))

# Compressed lanes (docs/ir.md) are generated where the host has AVX-512 F
# and VL; tests of their machine code require it.
try:
    with open("/proc/cpuinfo") as f:
        flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    if "avx512f" in flags and "avx512vl" in flags:
        config.available_features.add("avx512")
except OSError:
    pass
