"""btsnoop HCI logs: read LE advertising reports as Sightings, and write them back.

Two datalinks are read, as real tools write them:

- 1002 (HCI UART, H4): Android's "HCI snoop log"; every packet starts with its
  H4 type byte (0x04 = event).
- 2001 (Linux monitor): ``btmon -w``; the record flags hold
  ``(adapter index << 16) | opcode`` and opcode 3 is an HCI event.

1001 (un-encapsulated HCI, flags bit 1 = command/event) is read as well.
From HCI traffic only LE Meta events (0x3E) with LE Advertising Reports
(subevent 0x02) and LE Extended Advertising Reports (subevent 0x0D) are kept;
everything else is counted in ``stats.other`` and skipped.  Truncated or
corrupt records, and records timed outside 1990-2100, are counted in
``stats.skipped`` and never stop the reading.
Scan responses are joined to the last advertising data of their address, so
``Sighting.adv`` is "advertising data, then scan-response data" as everywhere
else; fragmented extended reports are reassembled.

Modules:

- `records`: the format with every offset named, and the careful parser of one record (the readable spec);
- `vector`: the numpy fast paths, tested equal to the careful parser;
- `reader`: the walk over a file, `read_sightings`, `BtsnoopReader`, `parse_btsnoop`;
- `writer`: `write_btsnoop`, `advertising_event`.
"""
