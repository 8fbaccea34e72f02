"""The author's side of the audience server: run it, read it, back it up, send updates."""
