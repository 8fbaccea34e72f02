"""Defaults for the fastbuild plugin; override any of them in pelicanconf.py."""

import pelican

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
# Write finished files from a thread while the next page renders (background.py). Off:
# on this project's 2-core bench machine it measured no faster (the cores are busy).
FASTBUILD_BACKGROUND_WRITES = False

# The plugin's name in PLUGINS ("plugins.fastbuild").
PLUGIN_NAME = __name__.rpartition(".")[0]
# The Pelican release whose internals the speed-ups repeat or patch.
PELICAN_SERIES = "4.12"


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.isupper() and (name == "FAST_BUILD" or name.startswith("FASTBUILD_")):
            settings.setdefault(name, value)


def loaded(settings: dict) -> bool:
    """This build loaded the plugin.

    Pelican connects a plugin's receivers for the life of the process: a later build
    in the same process without the plugin (the dev server after a settings change,
    a test run) still calls them, and they must then leave that build alone.
    """
    return PLUGIN_NAME in (settings.get("PLUGINS") or ())


def supported_pelican() -> bool:
    return pelican.__version__.split(".")[:2] == PELICAN_SERIES.split(".")


def enabled(settings: dict) -> bool:
    return bool(settings.get("FAST_BUILD", FAST_BUILD)) and loaded(settings) and supported_pelican()
