"""State that outlives a process: the job journal, the result cache and cache keys.

State never imports the engine.
"""
