"""Parse a dump in a child process while the parent downloads it.

In one process the download (httpx, per-chunk Python work) and the parser share the GIL and run
one after the other; a child process has its own interpreter, so on two cores the parse overlaps
the download (see tests/benchmarks/bench_dump.py).

Protocol. The parent starts ``python -m okr_tui.sources.dump_worker DATA OUT URL`` and writes to
its stdin one line per flushed chunk: ``<bytes written so far>``; then ``done <final size>`` or
``error``. The child tail-follows DATA (a :class:`GrowingFile`), writes the aggregate to OUT
(:meth:`DumpAggregate.save`) and answers on stdout ``rows <n>`` lines (progress) and one final
``result <json>`` line: ``{"ok": true}`` or the DumpError's ``kind``/``cause``/``status``, plus
its ``peak_mb`` (VmHWM). The URL is already redacted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

import orjson

import okr_tui
from okr_tui.sources.base import ProgressCallback, ProgressEvent
from okr_tui.sources.dump_fetch import GrowingFile
from okr_tui.sources.dump_result import DumpAggregate
from okr_tui.sources.dump_schema import DumpError

ROWS_EVERY = 100_000  # progress lines from the child


class WorkerFailed(Exception):
    """The child process failed without a DumpError (crash, out of memory, cannot start)."""


def peak_mb() -> float | None:
    """Peak resident set size of this process (VmHWM, Linux) in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class ParseWorker:
    """The parent's side: feeds download progress to the child and collects its aggregate.
    ``grew``/``finish`` have the same meaning as on :class:`GrowingFile`."""

    def __init__(self, data: Path, url: str, out_dir: Path) -> None:
        self.url = url
        fd, name = tempfile.mkstemp(prefix=".dump-agg-", suffix=".npz", dir=out_dir)
        os.close(fd)
        self.out = Path(name)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        root = str(Path(okr_tui.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "okr_tui.sources.dump_worker", str(data), name, url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
            )  # fmt: skip
        except OSError:
            self._cleanup()
            raise
        self.peak_mb: float | None = None
        self._size = 0

    def _send(self, line: str) -> None:
        stdin = self.proc.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            return  # the child is gone: result() reports how it ended

    def grew(self, size: int) -> None:
        self._size = size
        self._send(str(size))

    def finish(self, error: str | None = None) -> None:
        """The download ended; on ``error`` the child is killed (its result is unusable)."""
        if error is not None:
            self.kill()
            return
        self._send(f"done {self._size}")
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()

    def kill(self) -> None:
        """Stop the child now (cancellation, failed download); idempotent."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()

    async def result(self, progress: ProgressCallback | None = None) -> DumpAggregate:
        """The child's aggregate. Raises DumpError (the child's) or WorkerFailed; on
        cancellation the child is killed."""
        try:
            answer, code = await asyncio.to_thread(self._collect, progress)
            if answer is None or code != 0:
                raise WorkerFailed(f"the parse process exited with status {code}{self._tail()}")
            self.peak_mb = answer.get("peak_mb")
            if not answer.get("ok"):
                kind, cause = str(answer.get("kind")), str(answer.get("cause"))
                raise DumpError(kind, self.url, cause, status=answer.get("status"))
            return await asyncio.to_thread(self._load)
        except asyncio.CancelledError:
            self.kill()
            raise
        finally:
            self.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)  # reap it
            self._cleanup()

    def _collect(self, progress: ProgressCallback | None) -> tuple[dict | None, int]:
        answer: dict | None = None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(b"rows ") and progress is not None:
                progress(ProgressEvent("accounting dump", int(line[5:]), None, "parse"))
            elif line.startswith(b"result "):
                with contextlib.suppress(orjson.JSONDecodeError):
                    answer = orjson.loads(line[7:])
        return (answer if isinstance(answer, dict) else None), self.proc.wait()

    def _load(self) -> DumpAggregate:
        agg, _meta = DumpAggregate.load(self.out)
        agg.columns  # noqa: B018 - read the site-level table before its file is removed
        agg.full_path = None
        return agg

    def _tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0)
            lines = self._stderr.read().decode(errors="replace").strip().splitlines()
            if lines:
                return f": {lines[-1][:200]}"
        return ""

    def _cleanup(self) -> None:
        for path in (self.out, self.out.with_name(self.out.name[:-4] + ".full.npz")):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self._stderr.close()
        if getattr(self, "proc", None) is not None and self.proc.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.close()


def _follow(reader: GrowingFile, commands: IO[bytes]) -> None:
    """Apply the parent's stdin lines to ``reader``; a closed pipe without ``done`` fails it."""
    for line in commands:
        word = line.strip()
        if word.startswith(b"done"):
            reader.grew(int(word.split()[1]))
            reader.finish()
            return
        if word == b"error":
            break
        if word.isdigit():
            reader.grew(int(word))
    reader.finish(error="the download did not complete")


def _emit(out: IO[bytes], line: str) -> None:
    out.write(line.encode() + b"\n")
    out.flush()


def main(argv: list[str]) -> int:
    """The child: parse DATA (while it grows) into the aggregate file OUT."""
    from okr_tui.sources.dump_parse import parse_dump

    data, out_path, url = argv
    out = sys.stdout.buffer
    reader = GrowingFile(Path(data))
    threading.Thread(target=_follow, args=(reader, sys.stdin.buffer), daemon=True).start()
    shown = 0

    def rows(n: int) -> None:
        nonlocal shown
        if n - shown >= ROWS_EVERY:
            shown = n
            _emit(out, f"rows {n}")

    try:
        agg = parse_dump(reader, url, rows)  # type: ignore[arg-type]
        _emit(out, f"rows {agg.stats.rows}")
        agg.save(Path(out_path), {"url": url})
        answer: dict = {"ok": True}
    except DumpError as exc:
        answer = {"ok": False, "kind": exc.kind, "cause": exc.cause, "status": exc.status}
    finally:
        reader.close()
    answer["peak_mb"] = peak_mb()
    _emit(out, "result " + orjson.dumps(answer).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
