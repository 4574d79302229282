"""`make bench`: how long `blueprint build` takes, cold and warm, by phase, with peak memory."""
