"""The Raspberry Pi kit: LED and buzzer patterns, the button, the headless runner, the systemd unit.

The pattern and button logic (`patterns`, `button`) is pure and takes the time
as an argument; `gpio` drives real pins through gpiozero; `runner` ties them
to the live pipeline; `service` writes and removes the systemd unit.
"""
