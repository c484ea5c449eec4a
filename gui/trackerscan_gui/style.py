"""One style sheet: dark text on a light background, thick focus marks, no meaning in colour alone.

Sizes are left to the system font (so the user's font size is followed); only padding is set here.
"""

STYLE = """
QWidget { background: #f6f6f1; color: #111111; }
QMenuBar, QMenu { background: #ffffff; }
QMenu::item:selected, QMenuBar::item:selected { background: #1d4f91; color: #ffffff; }
QPushButton {
    background: #ffffff; border: 2px solid #333333; border-radius: 4px;
    padding: 0.35em 0.9em; min-height: 1.7em;
}
QPushButton:hover { background: #eef2f8; }
QPushButton:pressed { background: #dfe6f2; }
QPushButton:focus { border: 3px solid #000000; background: #e4ecf8; }
QPushButton:disabled { color: #6b6b6b; border-color: #9a9a9a; }
QComboBox, QLineEdit, QPlainTextEdit, QListView, QTableView, QListWidget {
    background: #ffffff; border: 1px solid #777777;
}
QComboBox:focus, QLineEdit:focus, QPlainTextEdit:focus, QListView:focus, QTableView:focus,
QListWidget:focus, QCheckBox:focus { border: 2px solid #000000; }
QTableView { alternate-background-color: #f0f0ea; gridline-color: #d0d0d0; }
QTableView::item:selected, QListView::item:selected, QListWidget::item:selected {
    background: #1d4f91; color: #ffffff;
}
QHeaderView::section {
    background: #e6e6df; padding: 4px; border: 0; border-bottom: 1px solid #999; font-weight: bold;
}
#statusLine { background: #ffffff; border: 1px solid #999999; border-radius: 4px; }
#statusLine QLabel, #alertPanel QLabel, #alertScroll, #alertViewport, #alertBody { background: transparent; }
#mineQuestion { background: #eef2f8; border: 2px solid #1d4f91; border-radius: 4px; }
#mineQuestion QLabel { background: transparent; }
#alertPanel { background: #ffffff; border: 1px solid #999999; border-radius: 4px; }
#alertPanel[alerting="true"] { background: #fff7ea; border: 4px solid #7a3b00; }
"""
