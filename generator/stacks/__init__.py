"""One pure function per stack: blueprint in, troposphere Template out. No I/O here."""
