#!/usr/bin/env bash
# The report opens in a browser with no network (registered with ctest as
# report_browser). Writes a fixture run + dataset, checks b2m-report's error
# path from the command line, writes report.html, then renders it in headless
# Chromium (Debian package `chromium`) and checks the DOM: the SVG plots, the
# PNG spectrograms and the <audio> players are there with data: sources and no
# element refers to http(s). A copy of the page with a probe script also
# checks that every PNG decodes, every WAV loads its metadata and that the page
# fetched nothing but data: URIs.
#
# Usage: browser_test.sh B2M_REPORT REPORT_FIXTURE [PYTHON]
# Fails when chromium is missing, unless B2M_NO_BROWSER=1 (then it skips,
# exit code 77, saying so).
set -euo pipefail
report="$1"
fixture="$2"
python="${3:-/usr/bin/python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$fixture" "$work/fx" --clips 20 --seconds 3 > /dev/null
run="$work/fx/run"
data="$work/fx/data"

# A missing input: exit status 1, a message naming the file, no report left.
mv "$run/identification_test.npy" "$work/saved.npy"
if "$report" --run "$run" --data "$data" -q 2> "$work/err.txt"; then
  echo "FAIL: b2m-report succeeded without identification_test.npy"; exit 1
fi
grep -q "identification_test.npy.*missing" "$work/err.txt" || { echo "FAIL: unexpected message:"; cat "$work/err.txt"; exit 1; }
if ls "$run" | grep -q '^report'; then echo "FAIL: a report file was left behind:"; ls "$run"; exit 1; fi
mv "$work/saved.npy" "$run/identification_test.npy"

"$report" --run "$run" --data "$data" --examples 4 --title "b2m browser test"
html="$run/report.html"
test -s "$html"

if [ "${B2M_NO_BROWSER:-0}" = 1 ]; then
  echo "SKIPPED: B2M_NO_BROWSER=1 is set: report.html was written but not rendered in a browser"
  exit 77
fi
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium" ]; then
  echo "FAIL: chromium not found: install the Debian package 'chromium' (scripts/setup.sh does)," \
       "or set B2M_NO_BROWSER=1 to skip this test"
  exit 1
fi

# No network: a fresh network namespace when the kernel allows one (only a
# down loopback inside), and in any case no DNS and an unreachable proxy.
isolate=()
if unshare -rn true 2> /dev/null; then isolate=(unshare -rn); fi
flags=(--headless --no-sandbox --disable-gpu --mute-audio --no-first-run --disable-extensions
       --disable-background-networking --disable-component-update --disable-sync --disable-default-apps
       "--user-data-dir=$work/profile" "--host-resolver-rules=MAP * ~NOTFOUND" --proxy-server=127.0.0.1:9
       --virtual-time-budget=20000)
render() {  # render FILE OUT
  if [ "${#isolate[@]}" -gt 0 ] &&
     ! timeout 120 "${isolate[@]}" "$chromium" "${flags[@]}" --dump-dom "file://$1" > "$2" 2> "$work/chromium.log"; then
    # Some containers allow the namespace but not Chromium inside it.
    echo "note: chromium failed inside 'unshare -rn'; rendering with DNS and proxy blocked only"
    isolate=()
  fi
  if [ "${#isolate[@]}" -eq 0 ] &&
     ! timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$1" > "$2" 2> "$work/chromium.log"; then
    echo "FAIL: chromium did not render $1:"; tail -20 "$work/chromium.log"; exit 1
  fi
  if [ ! -s "$2" ]; then echo "FAIL: chromium printed no DOM for $1:"; tail -20 "$work/chromium.log"; exit 1; fi
}

render "$html" "$work/dom.html"
"$python" - "$work/dom.html" <<'PY'
import sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.counts = {"svg": 0, "img": 0, "audio": 0, "script": 0}
        self.bad = []
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.counts:
            self.counts[tag] += 1
        for k, v in attrs.items():
            low = (v or "").strip().lower()
            if low.startswith(("http:", "https:", "//")) or "url(" in low:
                self.bad.append("<%s %s=%s>" % (tag, k, low[:60]))
        if tag == "img" and not attrs.get("src", "").startswith("data:image/png;base64,"):
            self.bad.append("<img> without a PNG data: source")
        if tag == "audio":
            if not attrs.get("src", "").startswith("data:audio/wav;base64,"):
                self.bad.append("<audio> without a WAV data: source")
            if "controls" not in attrs:
                self.bad.append("<audio> without controls")

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
c = dom.counts
print("DOM: %d svg, %d img, %d audio, %d script" % (c["svg"], c["img"], c["audio"], c["script"]))
expected = {"svg": 5, "img": 12, "audio": 12, "script": 0}
if c != expected or dom.bad:
    print("FAIL: expected", expected, "problems:", dom.bad[:5])
    sys.exit(1)
PY

# The probe: after load, wait for every <audio> to load its metadata (or
# fail), then write what decoded into the DOM.
"$python" - "$html" "$work/probe.html" <<'PY'
import sys
probe = """<script>
window.addEventListener('load', function () {
  var audios = Array.prototype.slice.call(document.querySelectorAll('audio'));
  Promise.all(audios.map(function (a) {
    return new Promise(function (resolve) {
      if (a.readyState >= 1) return resolve(true);
      a.addEventListener('loadedmetadata', function () { resolve(true); });
      a.addEventListener('error', function () { resolve(false); });
      a.load();
    });
  })).then(function (ok) {
    var imgs = Array.prototype.slice.call(document.querySelectorAll('img'));
    var fetched = performance.getEntriesByType('resource').map(function (e) { return e.name; })
        .filter(function (n) { return n.indexOf('data:') !== 0; });
    var out = document.createElement('pre');
    out.id = 'b2m-probe';
    out.textContent = JSON.stringify({
      img_ok: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; }).length,
      audio_ok: ok.filter(function (x) { return x; }).length,
      durations: audios.map(function (a) { return a.duration; }),
      fetched: fetched
    });
    document.body.appendChild(out);
  });
});
</script>
"""
page = open(sys.argv[1], encoding="utf-8").read()
assert page.count("</body>") == 1
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe + "</body>"))
PY
render "$work/probe.html" "$work/probe-dom.html"
"$python" - "$work/probe-dom.html" <<'PY'
import html, json, re, sys
m = re.search(r'<pre id="b2m-probe">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S)
if not m:
    print("FAIL: the probe did not report (page load or audio metadata never finished)")
    sys.exit(1)
r = json.loads(html.unescape(m.group(1)))
print("browser: %d of 12 spectrograms decoded, %d of 12 audio players loaded, durations %s, fetched %s"
      % (r["img_ok"], r["audio_ok"], sorted(set(round(d, 2) for d in r["durations"])), r["fetched"]))
ok = r["img_ok"] == 12 and r["audio_ok"] == 12 and not r["fetched"] and all(abs(d - 3.0) < 0.01 for d in r["durations"])
if not ok:
    print("FAIL")
    sys.exit(1)
PY
echo ok
