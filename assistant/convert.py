"""Old binary word-processor files (.doc, .wps) converted to .docx by LibreOffice, headless.

Each conversion runs in its own temporary folder with its own LibreOffice profile
(-env:UserInstallation), so conversions at the same time do not collide on the profile lock;
it is time-limited and killed with its whole process group past the limit; and it runs in a
network namespace of its own with only a down loopback (`unshare -rn`) where the kernel allows
one, since a conversion needs no network.

A .wps is, in the common case, a Word 97 binary that WPS Office saved under its own name.
LibreOffice guesses "MS Works" from the name, but its type detection then looks at the content
and loads it with the "MS Word 97" filter (see docs/formats.md). When the automatic choice
fails, the conversion is retried with that filter named.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .errors import Reason, UnsupportedFileError
from .settings import child_env

log = logging.getLogger(__name__)

CONVERT_TIMEOUT_S = 120  # a 50-page .doc converts in ~3 s; a file that hangs the filter must not hold an ingest
WORD_97_FILTER = "MS Word 97"
INSTALL_HINT = "apt-get install -y libreoffice-writer-nogui"
SUFFIXES = (".doc", ".wps")


def soffice_binary() -> str:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise UnsupportedFileError("(LibreOffice)", Reason("libreoffice_missing", hint=INSTALL_HINT))
    return binary


def to_docx(data: bytes, path: Path, timeout: float = CONVERT_TIMEOUT_S) -> bytes:
    """The .docx bytes LibreOffice makes of a .doc or .wps file. Raises UnsupportedFileError
    naming the file when LibreOffice is missing, times out or cannot read it."""
    started = time.monotonic()
    for infilter in (None, WORD_97_FILTER):
        result = convert(data, path, "docx:MS Word 2007 XML", infilter=infilter, timeout=timeout)
        if result is not None:
            log.info("%s: converted to .docx in %.1f s%s", path.name, time.monotonic() - started,
                     f" with {infilter}" if infilter else "")
            return result
    raise UnsupportedFileError(str(path), Reason("libreoffice_failed"))


def convert(data: bytes, path: Path, target: str, infilter: str | None = None,
            timeout: float = CONVERT_TIMEOUT_S) -> bytes | None:
    """The bytes of ``path`` (whose suffix tells LibreOffice what it is) converted to ``target``
    ("docx:MS Word 2007 XML", "pdf", "doc:MS Word 97"), or None when LibreOffice read nothing.
    Raises UnsupportedFileError when LibreOffice is missing or runs past ``timeout``."""
    try:
        binary = soffice_binary()
    except UnsupportedFileError as e:
        raise UnsupportedFileError(str(path), e.reason) from None
    with tempfile.TemporaryDirectory(prefix="assistant-convert-") as tmp:
        work = Path(tmp)
        source = work / ("input" + path.suffix.lower())  # a fixed ASCII name: no quoting trouble
        source.write_bytes(data)
        outdir = work / "out"
        command = [binary, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                   "--invisible", "--nologo", "--nodefault", "--nolockcheck", "--norestore"]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", target, "--outdir", str(outdir), str(source)]
        env = child_env(drop=("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"),
                        HOME=str(work), TMPDIR=str(work), SAL_USE_VCLPLUGIN="svp")
        proc = subprocess.Popen(_isolated() + command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, cwd=work, start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UnsupportedFileError(str(path), Reason("libreoffice_timeout", seconds=int(timeout))) from None
        finally:
            _kill_group(proc)  # soffice.bin may outlive the launcher; leave nothing behind
        produced = outdir / (source.stem + "." + target.split(":")[0])
        if proc.returncode == 0 and produced.is_file() and produced.stat().st_size > 0:
            return produced.read_bytes()
        log.warning("%s: LibreOffice%s failed (exit %s): %s", path.name, f" with {infilter}" if infilter else "",
                    proc.returncode, output.decode(errors="replace").strip()[-300:])
        return None


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group started for this conversion, nothing else
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


@functools.cache
def _isolated() -> list[str]:
    """`unshare -rn` when this kernel lets us make a network namespace, else nothing (logged)."""
    unshare = shutil.which("unshare")
    if unshare:
        try:
            if subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10, check=False).returncode == 0:
                return [unshare, "-rn"]
        except (OSError, subprocess.TimeoutExpired):
            pass
    log.warning("no network namespace available (unshare -rn failed); LibreOffice runs with the "
                "machine's network, which it does not use for a conversion")
    return []
