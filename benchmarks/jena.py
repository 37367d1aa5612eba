"""Apache Jena's `arq` and `tdb2` commands from Debian's libapache-jena-java, for the benchmarks.

The Debian package ships the jars but no command scripts, and its jena-core holds a second copy
of Xerces (package `xerces`) without the message files that copy looks for, so every command
dies at start with "internal error". `classpath()` puts the package's jars and their
dependencies on a class path, plus a directory with those message files copied from the
package's own `org/apache/jena/ext/xerces` copy, and `command()` builds the java command line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

JARS = Path("/usr/share/java")
#: Jena's runtime dependencies, as Debian names their jars (slf4j-nop: no logging to set up).
DEPENDENCIES = (
    *("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io"),
    *("commons-lang3", "gson", "guava", "httpclient", "httpcore", "jackson-core"),
    *("jackson-databind", "jackson-annotations", "jsonld-java", "thrift", "slf4j-api"),
    *("slf4j-nop", "protobuf", "titanium-json-ld", "jakarta.json-api", "dexx.collection"),
)
MAIN = {
    "arq": "arq.arq",
    "tdb2.tdbloader": "tdb2.tdbloader",
    "tdb2.tdbquery": "tdb2.tdbquery",
}
_FIX = Path(tempfile.gettempdir()) / "kgcli-jena-xerces-messages"


def available() -> bool:
    """Whether java and Jena's jars are installed."""
    return shutil.which("java") is not None and (JARS / "jena-arq.jar").exists()


def classpath() -> str:
    """The class path for Jena's commands (see the module docstring for the Xerces fix)."""
    if not (_FIX / "xerces").exists():
        with zipfile.ZipFile(JARS / "jena-core.jar") as jar:
            prefix = "org/apache/jena/ext/xerces/"
            for name in jar.namelist():
                if name.startswith(prefix) and name.endswith(".properties"):
                    target = _FIX / "xerces" / name[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    jena = sorted(p for p in JARS.glob("jena-*.jar") if not re.search(r"-\d", p.name))
    deps = [JARS / f"{name}.jar" for name in DEPENDENCIES if (JARS / f"{name}.jar").exists()]
    return ":".join(str(p) for p in [_FIX, *jena, *deps])


def command(name: str, *args: str) -> list[str]:
    """The argv of a Jena command, e.g. `command("arq", "--data", "x.nt", "--query", "q.rq")`."""
    return ["java", "-cp", classpath(), MAIN[name], *args]


def version() -> str:
    """Jena's version and the JVM's, for the results' header."""
    done = subprocess.run(command("arq", "--version"), capture_output=True, text=True)
    jena = next((w for w in done.stdout.split() if re.match(r"\d+\.\d+\.\d+", w)), "?")
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "([^"]+)"', java)
    return f"Apache Jena {jena} (Debian), Java {match.group(1) if match else '?'}"


def internal_time(stderr: str) -> float | None:
    """The query time that `--time` prints ("Time: 0.123 sec"), without JVM start or load."""
    match = re.search(r"Time: ([\d.]+) sec", stderr)
    return float(match.group(1)) if match else None
