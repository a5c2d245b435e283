"""The running local shop's log is one JSON object (or one plain line) per line, whatever its threads
do at the same time: `print` writes a line and its newline in two calls, and another thread's line
must not land between them."""

from __future__ import annotations

import io
import json
import sys
import threading

import pytest

from shop_local import json_log
from shop_local.json_log import WholeLines


def in_thread(action) -> None:
    thread = threading.Thread(target=action)
    thread.start()
    thread.join()


def test_a_line_written_in_two_calls_is_passed_on_whole_after_another_threads_line() -> None:
    target = io.StringIO()
    stream = WholeLines(target)
    done = threading.Event()
    resume = threading.Event()

    def printer() -> None:
        print('{"metric": 1}', end="", file=stream)  # the first of print's two writes
        done.set()
        resume.wait(5)
        print(file=stream)  # its newline

    thread = threading.Thread(target=printer)
    thread.start()
    done.wait(5)
    stream.write('{"access": 2}\n')  # another thread's whole line, in between
    resume.set()
    thread.join()

    assert target.getvalue() == '{"access": 2}\n{"metric": 1}\n'
    assert [json.loads(line) for line in target.getvalue().splitlines()] == [{"access": 2}, {"metric": 1}]


def test_several_lines_in_one_write_are_passed_on_and_the_tail_is_held() -> None:
    target = io.StringIO()
    stream = WholeLines(target)
    stream.write("one\ntwo\nthr")
    assert target.getvalue() == "one\ntwo\n"
    stream.write("ee\n")
    assert target.getvalue() == "one\ntwo\nthree\n"


def test_flush_passes_on_the_calling_threads_unfinished_line_only() -> None:
    target = io.StringIO()
    stream = WholeLines(target)
    in_thread(lambda: stream.write("other thread, unfinished"))
    stream.write("Password: ")
    stream.flush()
    assert target.getvalue() == "Password: "


def test_whole_lines_wraps_stdout_and_stderr_once_and_emit_still_writes_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    json_log.whole_lines()
    json_log.whole_lines()

    assert isinstance(sys.stdout, WholeLines) and isinstance(sys.stderr, WholeLines)
    assert not isinstance(sys.stdout._target, WholeLines)  # wrapped once, not twice
    json_log.emit(event="x", path="/p")
    assert [json.loads(line)["event"] for line in err.getvalue().splitlines()] == ["x"]
