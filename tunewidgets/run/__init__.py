"""Run layer: the run directory, events, the training callback and the Run object.

``Run`` is imported lazily (it pulls in nothing heavy itself, but the tasks
it starts do).
"""
