"""Round-trips every valid .b2ir file under a directory through b2m-opt."""
import pathlib
import subprocess
import sys

opt, root = sys.argv[1], pathlib.Path(sys.argv[2])
checked = 0
for path in sorted(root.rglob("*.b2ir")):
    text = path.read_text()
    if "RUN: not" in text or "bad_" in path.name:
        continue
    first = subprocess.run([opt, str(path)], capture_output=True, text=True)
    if first.returncode != 0:
        sys.exit(f"{path}: b2m-opt failed:\n{first.stderr}")
    second = subprocess.run([opt, "/dev/stdin"], input=first.stdout,
                            capture_output=True, text=True)
    if second.returncode != 0 or second.stdout != first.stdout:
        sys.exit(f"{path}: printing the re-parsed IR changed it:\n{second.stderr}")
    checked += 1
if checked < 8:
    sys.exit(f"only {checked} .b2ir files found under {root}")
print(f"{checked} files round-trip")
