"""Build benchmark: this site against vanilla Pelican on a synthetic blog (``invoke bench``)."""
