"""This site's Pelican plugins, one package so they can import each other.

Each plugin is listed in ``PLUGINS`` as ``plugins.<name>`` with the folder holding this
package in ``PLUGIN_PATHS``: Pelican's own loader imports the package first, then the
plugin, so ``pelican content`` needs nothing on ``sys.path`` beforehand. Another
Pelican site can copy the folder and list the plugins it wants the same way.
"""

from plugins.buildcache import remember_loaded_code

# Cache keys digest the plugins' code as it is now, when it is loaded: the code that
# runs, not what is on disk at a later rebuild in the same process.
remember_loaded_code(__file__)
