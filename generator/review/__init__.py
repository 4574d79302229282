"""Pull-request tooling: where resources come from, what a change does, who can reach whom, defaults."""
