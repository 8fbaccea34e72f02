"""Defaults for the fastbuild plugin; override any of them in pelicanconf.py."""

# The master switch. False builds exactly like Pelican without this plugin, which
# is what tests/perf/test_identical_output.py compares the fast build against.
FAST_BUILD = True
# Processes that read and convert Markdown sources in parallel; 0 = one per CPU core.
FASTBUILD_WORKERS = 0
# Below this many sources to read, start no processes: forking costs more than it saves.
FASTBUILD_PARALLEL_MIN_FILES = 48
# With the content cache loaded, skip rendering a page whose inputs did not change
# since the last build (its key is kept in CACHE_PATH next to Pelican's caches).
FASTBUILD_SKIP_UNCHANGED_PAGES = True


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.isupper():
            settings.setdefault(name, value)


def enabled(settings: dict) -> bool:
    return bool(settings.get("FAST_BUILD", FAST_BUILD))
