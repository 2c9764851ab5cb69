"""Does a supervised command end on time, and does nothing it started outlive it?"""

import os
import subprocess
import sys
import time
from pathlib import Path

from autograder.nbgrader_cli import SUPERVISOR
from autograder.supervise import TIMED_OUT


def daemon_code(marker: Path, sleep: float) -> str:
    """Python that double-forks a detached sleeper holding stdout/stderr; the sleeper writes its
    pid to ``marker`` at once and "survived" after ``sleep`` seconds."""
    return (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
        f"        time.sleep({sleep})\n"
        f"        open({str(marker)!r}, 'w').write('survived')\n"
        "        os._exit(0)\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"  # the sleeper has written its pid
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def supervised(tmp_path, code: str, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    script = tmp_path / "command.py"
    script.write_text(code)
    start = time.monotonic()
    # Pipes on purpose: a leftover process holding them would keep communicate() waiting.
    proc = subprocess.run([sys.executable, "-I", str(SUPERVISOR), str(timeout), "--", sys.executable,
                           str(script)], capture_output=True, text=True, timeout=60)
    return proc, time.monotonic() - start


def assert_sleeper_gone(marker: Path, sleep: float) -> None:
    pid = int(marker.read_text())
    assert not alive(pid), "the double-forked sleeper survived its command"
    time.sleep(sleep + 0.5)
    assert marker.read_text() == str(pid), "the sleeper wrote its marker later"


def test_a_double_forked_sleeper_dies_with_its_command_and_does_not_hold_the_pipes(tmp_path):
    marker = tmp_path / "marker"
    proc, seconds = supervised(tmp_path, daemon_code(marker, sleep=3) + "print('done')\n", timeout=30)
    assert proc.returncode == 0 and proc.stdout == "done\n"
    assert seconds < 2.5, f"the caller waited {seconds:.1f} s for the sleeper's pipes"
    assert_sleeper_gone(marker, sleep=3)


def test_a_command_past_its_timeout_is_stopped_with_everything_it_started(tmp_path):
    marker = tmp_path / "marker"
    proc, seconds = supervised(tmp_path, daemon_code(marker, sleep=4) + "time.sleep(100)\n", timeout=2)
    assert proc.returncode == TIMED_OUT
    assert "ran past 2 s and was stopped" in proc.stderr
    assert 2 <= seconds < 4
    assert_sleeper_gone(marker, sleep=2)


def test_the_commands_exit_status_is_passed_on(tmp_path):
    proc, _ = supervised(tmp_path, "import sys\nsys.exit(3)\n", timeout=0)
    assert proc.returncode == 3
    proc, _ = supervised(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", timeout=0)
    assert proc.returncode == 128 + 9


def test_when_its_caller_is_killed_the_command_and_what_it_started_die_too(tmp_path):
    # A grading worker killed mid-submission (SIGKILL) must not leave its nbgrader running.
    marker = tmp_path / "marker"
    command = tmp_path / "command.py"
    command.write_text(daemon_code(marker, sleep=30) + "time.sleep(30)\n")
    caller = tmp_path / "caller.py"
    caller.write_text(f"import subprocess, sys, time\n"
                      f"subprocess.Popen([sys.executable, '-I', {str(SUPERVISOR)!r}, '0', '--', "
                      f"sys.executable, {str(command)!r}])\n"
                      f"time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(caller)])
    try:
        deadline = time.monotonic() + 30
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        sleeper = int(marker.read_text())
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while alive(sleeper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(sleeper), "the command's daemon outlived the killed caller"
