"""`trackerscan scan` for real, in a subprocess: replay sources, SIGKILL, no adapter, no network."""

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest
from paths import REPO
from session_fixtures import car_trip_events, make_events, write_session

from trackerscan.formats.session import Session
from trackerscan.model import Sighting
from trackerscan.sessions.findings import analyse

PY = sys.executable


def _env(data_dir, **extra):
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def _recorded(data_dir):
    (path,) = (data_dir / "sessions").glob("*.sqlite")
    return path


def _ms(s):
    return (round(s.time * 1000), s.address, s.rssi, s.adv)


def test_scan_replay_records_every_sighting(tmp_path):
    src = write_session(tmp_path / "input", car_trip_events())
    data = tmp_path / "data"
    proc = subprocess.run([PY, "-m", "trackerscan", "scan", "--ble", f"replay:{src},speed=0", "--plain"],
                          env=_env(data), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Recording session ")
    assert any(" ALERT: AirTag C1:02:03:04:05:06: Possible tracker" in line for line in lines), proc.stdout
    assert "saved" in lines[-1]
    out = _recorded(data)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    with Session.open(src) as a, Session.open(out) as b:
        assert [_ms(s) for s in b.sightings()] == [_ms(s) for s in a.sightings()]
        assert len(list(b.fixes())) == len(list(a.fixes())) == 104
        alerts = [c for c in b.level_changes() if c.level.value == "alert"]
        assert alerts and alerts[0].addresses == ("C1:02:03:04:05:06",)
        assert b.summary().finished


def test_kill_9_loses_at_most_the_last_second(tmp_path):
    events = make_events(60, 50)  # 60 s, ~55 sightings a second, a fix a second
    src = write_session(tmp_path / "input", events)
    sightings = [e for e in events if isinstance(e, Sighting)]
    t_first = sightings[0].time
    data = tmp_path / "data"
    launched = time.time()
    # ten times real time: the phone and the tag become devices 20 s (event time) after they are first
    # heard, and only then are their sightings written (until then they are first sightings, held)
    speed = 10
    proc = subprocess.Popen([PY, "-m", "trackerscan", "scan", "--ble", f"replay:{src},speed={speed}",
                             "--plain"], env=_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stdout.readline()
        started = time.time()  # replay pacing began before this line was printed
        assert first.startswith("Recording session"), first + proc.stderr.read()
        time.sleep(4.0)
        killed = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    path = _recorded(data)
    with Session.open(path) as s:
        got = [_ms(x) for x in s.sightings()]
        assert not s.summary().finished
    want = [_ms(x) for x in sightings]
    assert got == want[: len(got)]  # exactly the input, in order, nothing invented
    must = sum(1 for x in sightings if x.time - t_first <= (killed - started - 1.0) * speed)
    could = sum(1 for x in sightings if x.time - t_first <= (killed - launched + 0.01) * speed)
    assert (killed - started - 1.0) * speed > 21  # both became devices a second before the kill
    assert must > 100
    assert must <= len(got) <= could
    assert analyse(path).counts["sighting"] == len(got)  # it opens and analyses afterwards


def test_no_adapter_one_sentence_and_no_session(tmp_path):
    data = tmp_path / "data"
    env = _env(data, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path}/no-such-bus")
    proc = subprocess.run([PY, "-m", "trackerscan", "scan"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("trackerscan: ") and "trackerscan-gui --demo" in line
    assert not (data / "sessions").exists() or not list((data / "sessions").iterdir())


AUDIT = textwrap.dedent("""
    import os, sys
    _log = os.environ["NET_AUDIT_LOG"]
    def _hook(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg",
                     "socket.gethostbyname", "urllib.Request", "http.client.connect"):
            with open(_log, "a") as f:
                f.write(f"{os.getpid()} {event} {args!r}\\n")
    sys.addaudithook(_hook)
""")


@pytest.fixture
def audited(tmp_path):
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "net.log"
    log.write_text("")
    return hook_dir, log


def test_scan_analyze_report_open_no_network_connection(tmp_path, audited):
    hook_dir, log = audited
    src = write_session(tmp_path / "input", car_trip_events())
    data = tmp_path / "data"
    env = _env(data, NET_AUDIT_LOG=str(log), PYTHONPATH=f"{hook_dir}{os.pathsep}{REPO}")
    # the hook itself works: a connection attempt to loopback is recorded
    probe = subprocess.run([PY, "-c", "import socket; s = socket.socket(); s.settimeout(0.2)\n"
                            "try: s.connect(('127.0.0.1', 9))\nexcept OSError: pass"], env=env, timeout=60)
    assert probe.returncode == 0 and "socket.connect" in log.read_text()
    log.write_text("")
    for argv in (["scan", "--ble", f"replay:{src},speed=0", "--plain"],
                 ["analyze", "latest"],
                 ["report", "latest", "--out", str(tmp_path / "r.pdf")],
                 ["report", "latest", "--out", str(tmp_path / "r.html")],
                 ["export", "latest", "--format", "gpx", "--out", str(tmp_path / "t.gpx")]):
        proc = subprocess.run([PY, "-m", "trackerscan", *argv], env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, (argv, proc.stderr)
    assert log.read_text() == ""
    assert (tmp_path / "r.pdf").stat().st_size > 10_000


@pytest.mark.parametrize("windows_like", [False, True], ids=["posix-loop", "windows-like-loop"])
def test_ctrl_c_ends_the_session_cleanly(tmp_path, windows_like):
    from session_fixtures import trackerscan_command

    src = write_session(tmp_path / "input", car_trip_events())
    data = tmp_path / "data"
    argv = [*trackerscan_command(windows_like), "scan", "--ble", f"replay:{src},speed=1", "--plain"]
    proc = subprocess.Popen(argv, env=_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("Recording session")
        if windows_like:  # no `trackerscan place` there: the line says what works instead
            assert "start the scan in a terminal window and press Enter" in proc.stdout.readline()
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "saved" in out.splitlines()[-1]
    path = _recorded(data)
    assert not path.with_name(path.name + "-wal").exists()  # closed and checkpointed
    with Session.open(path) as s:
        assert s.summary().finished
        counts = s.counts()  # what came before Ctrl-C: devices' rows, and first sightings counted
        assert 0 < counts["sighting"] + counts["first_counted"] < 100


def test_scan_with_gps_replay_and_a_place_mark(tmp_path):
    from session_fixtures import DATA

    ble_only = [e for e in car_trip_events() if isinstance(e, Sighting)]
    src = write_session(tmp_path / "input", ble_only)
    gpx = DATA / "around-visnjan-with-car.gpx"
    data = tmp_path / "data"
    proc = subprocess.Popen([PY, "-m", "trackerscan", "scan", "--ble", f"replay:{src},speed=40",
                             "--gps", f"replay:{gpx},speed=40", "--plain"],
                            env=_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("Recording session")
        time.sleep(1.0)
        place = subprocess.run([PY, "-m", "trackerscan", "place"], env=_env(data), capture_output=True,
                               text=True, timeout=60)
        assert place.returncode == 0, place.stderr
        assert place.stdout.startswith("Marked a new place in session ")
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "marked: somewhere else now" in out
    with Session.open(_recorded(data)) as s:
        assert len(list(s.fixes())) == 104
        assert len(list(s.place_marks())) == 1
        assert sum(1 for _ in s.sightings()) == len(ble_only)
        assert any(c.level.value == "alert" for c in s.level_changes())


def test_place_without_a_running_scan(tmp_path):
    proc = subprocess.run([PY, "-m", "trackerscan", "place"], env=_env(tmp_path / "data"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "No scan is recording" in proc.stderr


@pytest.mark.parametrize("pid", ["0", "99999999999"])
def test_place_signals_no_process_a_session_names_that_cannot_be_a_scan(tmp_path, pid):
    """A session's pid is read from the file: "0" signalled place's own process group (and killed it),
    a number too big for a pid raised OverflowError."""
    from trackerscan.sessions import paths
    from trackerscan.sessions.writer import SessionWriter

    data = tmp_path / "data"
    w = SessionWriter.create(paths.sessions_dir(data, create=True), 1_777_000_000.0, meta={"pid": pid})
    try:
        proc = subprocess.run([PY, "-m", "trackerscan", "place"], env=_env(data), capture_output=True,
                              text=True, timeout=60, start_new_session=True)  # its own process group
    finally:
        w.close(1_777_000_001.0)
    assert proc.returncode == 2 and proc.stderr == (
        "trackerscan: No scan is recording on this computer: start one with `trackerscan scan`.\n")


def test_disk_full_stops_with_one_line_and_keeps_what_was_written(tmp_path):
    import resource

    # ~18 000 sightings: more than 250 kB of database.  The first 20 s (event time) of the phone's and
    # the tag's sightings are held until they become devices, then written at once (~100 kB)
    events = make_events(90, 200)
    src = write_session(tmp_path / "input", events)
    data = tmp_path / "data"

    def small_disk():  # files may not grow past 250 kB: writes fail as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (250_000, 250_000))

    proc = subprocess.run([PY, "-m", "trackerscan", "scan", "--ble", f"replay:{src},speed=5", "--plain"],
                          env=_env(data), capture_output=True, text=True, timeout=120, preexec_fn=small_disk)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("trackerscan: Cannot write to the session"), line
    path = _recorded(data)
    with Session.open(path) as s:  # what was committed before the disk filled up is all there
        got = [_ms(x) for x in s.sightings()]
    want = [_ms(x) for x in events if isinstance(x, Sighting)]
    assert 0 < len(got) < len(want) and got == want[: len(got)]


def test_place_without_sigusr1_says_what_to_do_in_one_line(tmp_path):
    """Windows has no SIGUSR1: `trackerscan place` cannot reach a scan there and says so."""
    from session_fixtures import trackerscan_command

    proc = subprocess.run([*trackerscan_command(windows_like=True), "place"], env=_env(tmp_path / "data"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and "press Enter" in proc.stderr
