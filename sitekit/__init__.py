"""Tools behind the invoke tasks: building, checking, publishing, comment-server care.

Each module is importable and unit-tested without invoke; tasks.py stays thin.
"""
