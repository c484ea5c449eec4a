"""Strings from a session someone else made are shown as the characters they are, never rendered as
HTML by Qt (issue #12): a review opens files whose addresses, names and notes anyone could write."""

from gui_records import device
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QTextDocument
from trackerscan_gui.views import DetailView, MineQuestion, StatusLine

from trackerscan.status import LiveStatus

HOSTILE_ADDR = "<a href='file:///etc/passwd'>tap here</a>"
HOSTILE_WHY = "<img src='x'><b>Nothing to worry about</b>"
HOSTILE_FILE = "<h1>Session deleted</h1>.sqlite"


def test_status_line_shows_a_hostile_file_name_as_text(qtbot):
    line = StatusLine()
    qtbot.addWidget(line)
    line.show_status(LiveStatus(problems=(f"Cannot read {HOSTILE_FILE}.",)))
    assert HOSTILE_FILE in line.problem.text()
    assert line.problem.textFormat() == Qt.TextFormat.PlainText


def test_the_question_about_a_device_shows_its_address_as_text(qtbot):
    q = MineQuestion()
    qtbot.addWidget(q)
    q.ask(device(1, addresses=(HOSTILE_ADDR,), explanation=HOSTILE_WHY))
    for label in (q.title, q.text):
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_detail_view_escapes_what_it_quotes_in_its_table(qtbot):
    v = DetailView()
    qtbot.addWidget(v)
    v.show_device(device(1, addresses=(HOSTILE_ADDR,), explanation=HOSTILE_WHY), [], [])
    assert v.header.textFormat() == Qt.TextFormat.PlainText
    doc = QTextDocument()
    doc.setHtml(v.facts.text())  # the table is rich text: what it quotes must read back literally
    plain = doc.toPlainText()
    assert HOSTILE_ADDR in plain and HOSTILE_WHY in plain
