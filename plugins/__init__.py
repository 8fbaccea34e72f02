"""This site's Pelican plugins, one package so they can import each other.

Each plugin is listed in ``PLUGINS`` as ``plugins.<name>`` with the folder holding this
package in ``PLUGIN_PATHS``: Pelican's own loader imports the package first, then the
plugin, so ``pelican content`` needs nothing on ``sys.path`` beforehand. Another
Pelican site can copy the folder and list the plugins it wants the same way.
"""
