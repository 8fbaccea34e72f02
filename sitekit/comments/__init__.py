"""The comment server's care: running Isso, moderating, exporting, backing up."""
