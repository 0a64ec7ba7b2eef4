"""Data layer: load, preview, map and guess columns, format chats.

Heavy libraries (datasets, pandas, pyarrow) are imported inside the functions
that need them so ``import tunewidgets`` stays light.
"""
